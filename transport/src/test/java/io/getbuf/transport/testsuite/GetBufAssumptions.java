/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.testsuite;

import io.getbuf.transport.GetBuf;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What a test needs of the kernel. Where it is missing the test is skipped, saying why, unless
 * {@code -Dgetbuf.test.requireIoUring=true} (set by {@code .ci/run}): then it fails, because a machine that
 * should run everything and skips is a broken machine, not a pass.
 */
public final class GetBufAssumptions {
    /** The system property that turns a missing kernel feature from a skip into a failure. */
    public static final String REQUIRE_PROPERTY = "getbuf.test.requireIoUring";

    private GetBufAssumptions() {
    }

    public static boolean isRequired() {
        return Boolean.getBoolean(REQUIRE_PROPERTY);
    }

    /** io_uring can be used here. */
    public static void assumeAvailable() {
        assumeFeature(GetBuf.isAvailable(), () -> "getbuf (io_uring) is not usable here: "
                + GetBuf.unavailabilityCause());
    }

    /** io_uring and provided buffer rings can be used here. */
    public static void assumeBufferRing() {
        assumeAvailable();
        assumeFeature(GetBuf.isBufferRingSupported(), () -> "the kernel has no provided buffer rings");
    }

    /** A kernel feature the test needs; {@code why} says what is missing. */
    public static void assumeFeature(boolean present, Supplier<String> why) {
        if (present) {
            return;
        }
        if (isRequired() && GetBuf.disabledFeatures().isEmpty()) {
            // (a run that switched features off on purpose, -Dio.getbuf.transport.disable, skips what needs them)
            fail(why.get() + " (and -D" + REQUIRE_PROPERTY + "=true says this machine must run it)");
        }
        assumeTrue(false, why);
    }

    /** Sparse registered-buffer tables (registered buffers, GetBufFiles.read, the table's slots). */
    public static void assumeRegisteredBuffers() {
        assumeAvailable();
        assumeFeature(GetBuf.isRegisteredBuffersSupported(), () -> "the kernel has no sparse registered-buffer tables");
    }

    /** Root (CAP_NET_ADMIN and the like): CI runs as root; options that need a capability are checked only then. */
    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
