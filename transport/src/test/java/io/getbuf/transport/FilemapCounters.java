/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The page-cache GET_BUF provider's own counters, in debugfs on the patched kernel built with
 * {@code CONFIG_IO_URING_GET_BUF_TEST} (the VM's): buffers lent ({@code gets}), buffers given back
 * ({@code releases}) and pages lent right now ({@code pages}). Elsewhere there are none and every count reads 0.
 */
final class FilemapCounters {
    /** {@code -Dgetbuf.test.requireGetBuf=true} (kernel/vm/java-tests): this kernel must have GET_BUF and counters. */
    static final boolean GET_BUF_REQUIRED = Boolean.getBoolean("getbuf.test.requireGetBuf");
    static final Path DIR = Paths.get("/sys/kernel/debug/getbuf-filemap");
    static final int GETS = 0;
    static final int RELEASES = 1;
    static final int PAGES = 2;

    private FilemapCounters() {
    }

    /** Where GET_BUF is required: fails unless the kernel has it, and turns the counting on. */
    static void enableWhereGetBufIsRequired() throws IOException {
        if (GET_BUF_REQUIRED) {
            assertTrue(GetBuf.isGetBufSupported(), "the probe must report GET_BUF here: " + GetBuf.describe());
            enable();
        }
    }

    /** Turns the counting on; fails where the kernel has no counters. */
    static void enable() throws IOException {
        assertTrue(Files.isWritable(DIR.resolve("enabled")), "no " + DIR + " (debugfs, CONFIG_IO_URING_GET_BUF_TEST)");
        Files.writeString(DIR.resolve("enabled"), "1");
    }

    /** {gets, releases, pages}, or zeros where the kernel has no counters. */
    static long[] read() {
        if (!Files.isDirectory(DIR)) {
            return new long[3];
        }
        return new long[] {readLong("gets"), readLong("releases"), readLong("pages")};
    }

    private static long readLong(String name) {
        try {
            return Long.parseLong(Files.readString(DIR.resolve(name)).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits (up to 10 s) until every buffer lent since {@code before} was given back and the pages lent are back to
     * what they were then.
     */
    static void assertAllGivenBack(long[] before) throws InterruptedException {
        assertTrue(TestSupport.await(() -> {
            long[] now = read();
            return now[RELEASES] - before[RELEASES] == now[GETS] - before[GETS] && now[PAGES] == before[PAGES];
        }, 10), "every buffer released and every page given back: before " + Arrays.toString(before) + ", now "
                + Arrays.toString(read()));
    }
}
