/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the transport's own tests share: loops with a buffer ring, waiting for a condition, empty slots. */
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

    /** Waits (up to 5 s) until every user slot of the buffer table of {@code loops}' next loop is empty again. */
    static void assertSlotsEmpty(EventLoopGroup loops) throws InterruptedException {
        EventLoop loop = loops.next();
        RegisteredBufferTable table = GetBufIoHandler.handlerOf(loop).fileStrategies().table();
        assertTrue(await(() -> {
            try {
                return loop.submit(() -> table.emptySlots() == table.userSlots()).get();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, 5), "every user slot empty again");
    }
}
