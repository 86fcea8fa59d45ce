/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** What the transport's own tests share: loops with a buffer ring, and waiting for a condition. */
final class TestSupport {
    private TestSupport() {
    }

    /** {@code loops} event loops, each with its own ring of {@code entries} x {@code size}, not incremental. */
    static EventLoopGroup ringGroup(int loops, int entries, int size) {
        return new MultiThreadIoEventLoopGroup(loops, GetBufIoHandler.newFactory(new GetBufIoHandlerConfig()
                .setBufferRing(new GetBufBufferRingConfig(entries, size).setIncremental(false))));
    }

    /** Polls {@code condition} every millisecond for up to {@code seconds}; returns its last value. */
    static boolean await(BooleanSupplier condition, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return condition.getAsBoolean();
            }
            Thread.sleep(1);
        }
        return true;
    }
}
