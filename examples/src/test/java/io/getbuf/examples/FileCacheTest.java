/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.getbuf.transport.GetBufOpenException;
import io.netty.channel.DefaultFileRegion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FileCache}: one entry per path (descriptor and fstat together), kept for its time, revalidated against the
 * path's current file, dropped when the path no longer opens, bounded by LRU, swept on expiry; descriptors close
 * with their last holder and come back to their count.
 */
@Timeout(30)
class FileCacheTest {
    private static final long VALID_MILLIS = 200;

    @TempDir
    Path dir;
    private SiteRoot root;
    private java.util.Map<Integer, String> fdsBefore;

    @BeforeEach
    void open() throws Exception {
        fdsBefore = Fds.snapshot();
        root = new SiteRoot(dir, false);
    }

    @AfterEach
    void descriptorsBack() throws Exception {
        root.close();
        // files only: what the cache opens (the JVM may open a socket of its own during the first test)
        java.util.Map<Integer, String> leaked = Fds.leakedSince(fdsBefore, target -> target.startsWith("/"));
        assertEquals(java.util.Map.of(), leaked, "files left open");
    }

    private FileCache cache(long validMillis, int entries) {
        return new FileCache(root, TimeUnit.MILLISECONDS.toNanos(validMillis), entries);
    }

    /** Without the sweep, which on a loaded machine could drop an entry before the test revalidates it. */
    private FileCache unswept(long validMillis, int entries) {
        return new FileCache(root, TimeUnit.MILLISECONDS.toNanos(validMillis), entries, false);
    }

    @Test
    void anEntryIsKeptForItsTimeThenRevalidated() throws Exception {
        Files.writeString(dir.resolve("a.txt"), "first");
        try (FileCache cache = unswept(VALID_MILLIS, 16)) {
            CachedFile f1 = cache.open("a.txt");
            CachedFile f2 = cache.open("a.txt");
            assertSame(f1, f2, "one entry per path");
            assertEquals(1, cache.opens());
            Thread.sleep(VALID_MILLIS + 50);
            CachedFile f3 = cache.open("a.txt");
            assertSame(f1, f3, "revalidated: the same file, unchanged, keeps its entry");
            assertEquals(2, cache.opens());
            // replaced by rename: within the time the old one, whole; after it the new one
            Files.writeString(dir.resolve(".tmp"), "second!");
            Files.move(dir.resolve(".tmp"), dir.resolve("a.txt"), StandardCopyOption.ATOMIC_MOVE);
            CachedFile f4 = cache.open("a.txt");
            assertSame(f1, f4);
            Thread.sleep(VALID_MILLIS + 50);
            CachedFile f5 = cache.open("a.txt");
            assertNotSame(f1, f5);
            assertEquals(7, f5.size());
            assertFalse(f5.validators.etag.equals(f1.validators.etag));
            for (CachedFile f : new CachedFile[] {f1, f2, f3, f4}) {
                f.release();
            }
            assertFalse(f1.isOpen(), "the old file closed with its last holder");
            f5.release();
            assertTrue(f5.isOpen(), "the cache holds the new one");
        }
    }

    @Test
    void aDeletedFileIsDroppedAtRevalidationAndSweptWithoutARequest() throws Exception {
        Files.writeString(dir.resolve("gone.txt"), "x");
        Files.writeString(dir.resolve("idle.txt"), "y");
        try (FileCache cache = cache(VALID_MILLIS, 16)) {
            cache.open("gone.txt").release();
            CachedFile idle = cache.open("idle.txt");
            idle.release();
            assertEquals(2, cache.size());
            Files.delete(dir.resolve("gone.txt"));
            Thread.sleep(VALID_MILLIS + 50);
            GetBufOpenException e = assertThrows(GetBufOpenException.class, () -> cache.open("gone.txt"));
            assertEquals(GetBufOpenException.Kind.NOT_FOUND, e.kind());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (cache.size() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, cache.size(), "the sweep dropped the expired entry");
            assertFalse(idle.isOpen(), "and closed its descriptor");
        }
    }

    @Test
    void failuresAreNeverKept() throws Exception {
        try (FileCache cache = cache(60_000, 16)) {
            assertThrows(GetBufOpenException.class, () -> cache.open("later.txt"));
            Files.writeString(dir.resolve("later.txt"), "here now");
            CachedFile f = cache.open("later.txt");
            assertEquals(8, f.size());
            f.release();
        }
    }

    @Test
    void theLeastRecentlyUsedGoBeyondTheBound() throws Exception {
        for (int i = 0; i < 10; i++) {
            Files.writeString(dir.resolve(i + ".txt"), Integer.toString(i));
        }
        try (FileCache cache = cache(60_000, 4)) {
            CachedFile first = cache.open("0.txt");
            first.release();
            for (int i = 1; i < 10; i++) {
                cache.open(i + ".txt").release();
            }
            assertEquals(4, cache.size());
            assertFalse(first.isOpen(), "dropped and closed");
        }
    }

    @Test
    void withoutACacheEveryRequestOpens() throws Exception {
        Files.writeString(dir.resolve("b.txt"), "b");
        try (FileCache cache = cache(0, 16)) {
            CachedFile f1 = cache.open("b.txt");
            CachedFile f2 = cache.open("b.txt");
            assertNotSame(f1, f2);
            assertEquals(0, cache.size());
            f1.release();
            assertFalse(f1.isOpen());
            f2.release();
        }
    }

    @Test
    void aRegionHoldsItsOwnReference() throws Exception {
        Files.writeString(dir.resolve("c.txt"), "region");
        DefaultFileRegion region;
        CachedFile f;
        try (FileCache cache = cache(60_000, 16)) {
            f = cache.open("c.txt");
            region = f.region(0, 6);
            f.release();
        } // the cache lets go
        assertTrue(f.isOpen(), "the region still sends");
        region.release();
        assertFalse(f.isOpen());
    }
}
