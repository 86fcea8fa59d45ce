/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.netty.channel.DefaultFileRegion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@link OpenFileCache} keeps, for how long, and that shared open files close when the last holder lets go. */
@Timeout(30)
class OpenFileCacheTest {
    @TempDir
    Path dir;

    @Test
    void aResolvedPathAndItsOpenFileAreKeptForTheirTime() throws Exception {
        Files.writeString(dir.resolve("a.txt"), "first");
        OpenFileCache cache = new OpenFileCache(new SiteRoot(dir), TimeUnit.MILLISECONDS.toNanos(300));
        SiteRoot.Resolution r1 = cache.resolve(List.of("a.txt"));
        assertTrue(r1.found());
        assertSame(r1, cache.resolve(List.of("a.txt")), "kept");
        OpenFile f1 = cache.open(r1.path);
        OpenFile f2 = cache.open(r1.path);
        assertSame(f1, f2, "one open file for both");
        assertEquals(1, cache.openFiles());
        Files.delete(dir.resolve("a.txt"));
        assertTrue(cache.resolve(List.of("a.txt")).found(), "within its time the old resolution stands");
        Thread.sleep(400);
        assertFalse(cache.resolve(List.of("a.txt")).found(), "after it, the path is resolved again");
        f1.release();
        f2.release();
        assertTrue(f1.channel.isOpen(), "the cache still holds it");
        cache.close();
        assertFalse(f1.channel.isOpen(), "closed with the last holder");
    }

    @Test
    void aNotFoundIsNeverKept() throws Exception {
        OpenFileCache cache = new OpenFileCache(new SiteRoot(dir), TimeUnit.SECONDS.toNanos(60));
        assertFalse(cache.resolve(List.of("later.txt")).found());
        Files.writeString(dir.resolve("later.txt"), "here now");
        assertTrue(cache.resolve(List.of("later.txt")).found());
    }

    @Test
    void withoutACacheEveryRequestResolvesAndOpens() throws Exception {
        Files.writeString(dir.resolve("b.txt"), "b");
        OpenFileCache cache = new OpenFileCache(new SiteRoot(dir), 0);
        SiteRoot.Resolution r = cache.resolve(List.of("b.txt"));
        OpenFile f1 = cache.open(r.path);
        OpenFile f2 = cache.open(r.path);
        assertFalse(f1 == f2);
        assertEquals(0, cache.openFiles());
        f1.release();
        assertFalse(f1.channel.isOpen());
        f2.release();
        Files.delete(dir.resolve("b.txt"));
        assertFalse(cache.resolve(List.of("b.txt")).found());
    }

    @Test
    void aRegionHoldsItsOwnReference() throws Exception {
        Files.writeString(dir.resolve("c.txt"), "region");
        OpenFileCache cache = new OpenFileCache(new SiteRoot(dir), TimeUnit.SECONDS.toNanos(60));
        OpenFile f = cache.open(cache.resolve(List.of("c.txt")).path);
        DefaultFileRegion region = f.region(0, 6);
        cache.close(); // the cache lets go; the region still sends
        assertTrue(f.channel.isOpen());
        region.release();
        assertFalse(f.channel.isOpen());
    }
}
