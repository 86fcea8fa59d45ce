/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What tests check after lending file pages: the page-cache provider's own counters (debugfs of the patched test
 * kernel, {@code CONFIG_IO_URING_GET_BUF_TEST}) and the loop's table slots.
 */
final class LentPages {
    static final boolean REQUIRE_GET_BUF = Boolean.getBoolean("getbuf.test.requireGetBuf");
    /** A directory on a file system without a GET_BUF provider (the VM's overlayfs /tmp), or null. */
    static final String NO_PROVIDER_DIR = System.getProperty("getbuf.test.noProviderDir");
    private static final Path FILEMAP_DEBUG = Paths.get("/sys/kernel/debug/getbuf-filemap");

    /** The provider's counters at one moment: buffers lent, buffers given back, pages still lent. */
    static final class Counters {
        final long gets;
        final long releases;
        final long pages;

        private Counters(long gets, long releases, long pages) {
            this.gets = gets;
            this.releases = releases;
            this.pages = pages;
        }

        @Override
        public String toString() {
            return "gets " + gets + ", releases " + releases + ", pages " + pages;
        }
    }

    private LentPages() {
    }

    /**
     * Where the run requires GET_BUF (the VM): asserts the probe reports it and turns the provider's counters on.
     */
    static void requireGetBufWhereAsked() throws IOException {
        if (REQUIRE_GET_BUF) {
            assertTrue(GetBuf.isGetBufSupported(), "the probe must report GET_BUF here: " + GetBuf.describe());
            assertTrue(Files.isWritable(FILEMAP_DEBUG.resolve("enabled")), "no " + FILEMAP_DEBUG
                    + " (debugfs, CONFIG_IO_URING_GET_BUF_TEST)");
            Files.writeString(FILEMAP_DEBUG.resolve("enabled"), "1");
        }
    }

    /** The counters now; zeros where the kernel has none. */
    static Counters counters() throws IOException {
        if (!Files.isDirectory(FILEMAP_DEBUG)) {
            return new Counters(0, 0, 0);
        }
        return new Counters(readLong("gets"), readLong("releases"), readLong("pages"));
    }

    private static long readLong(String name) throws IOException {
        return Long.parseLong(Files.readString(FILEMAP_DEBUG.resolve(name)).trim());
    }

    /** Every buffer the provider lent since {@code before} was given back, with its pages; at least {@code lent}. */
    static void assertGivenBack(Counters before, long lent) throws Exception {
        if (!GetBuf.isGetBufSupported()) {
            return;
        }
        Counters[] now = new Counters[1];
        boolean back = TestSupport.await(() -> {
            try {
                now[0] = counters();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return now[0].releases - before.releases == now[0].gets - before.gets && now[0].pages == before.pages;
        }, 10);
        assertTrue(back, "every buffer released and every page given back: before " + before + ", now " + now[0]);
        assertTrue(now[0].gets - before.gets >= lent, "the provider lent at least " + lent + " buffers: " + now[0]
                + " (before " + before + ')');
    }

    /**
     * Nothing holds a user slot of any loop of {@code loops} any more (within 5 s): every one is empty, or keeps an
     * idle registered buffer for reuse.
     */
    static void assertSlotsEmpty(EventLoopGroup loops) throws Exception {
        for (io.netty.util.concurrent.EventExecutor e : loops) {
            EventLoop loop = (EventLoop) e;
            FileSendStrategies strategies = GetBufIoHandler.handlerOf(loop).fileStrategies();
            int[] seen = new int[4];
            boolean ok = TestSupport.await(() -> {
                try {
                    return loop.submit(() -> {
                        RegisteredBufferTable table = strategies.table();
                        RegisteredByteBufAllocator registered = strategies.slotBuffersInUse()
                                ? strategies.registeredBuffers() : null;
                        seen[0] = table.emptySlots();
                        seen[1] = registered == null ? 0 : registered.idleRegions();
                        seen[2] = registered == null ? 0 : registered.lent();
                        seen[3] = table.userSlots();
                        return seen[0] + seen[1] == seen[3] && seen[2] == 0;
                    }).get();
                } catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
            }, 5);
            assertTrue(ok, "every user slot empty or idle again: " + seen[0] + " empty, " + seen[1] + " idle, "
                    + seen[2] + " lent, of " + seen[3]);
        }
    }
}
