/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.Blackhole;
import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connect that neither succeeds nor fails (to the {@link Blackhole}: SYNs dropped) ends by the connect timeout, by
 * cancelling its future, or by closing the channel, each with the failure Netty users expect, the channel closed and
 * the connect operation gone from the ring (the registration ends).
 */
@GetBufTest(warmUp = false)
@Timeout(30)
class ConnectTest {
    private static EventLoopGroup group;

    @BeforeAll
    static void setUp() {
        GetBufAssumptions.assumeAvailable();
        group = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory());
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (group != null) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    private static Bootstrap client(int timeoutMillis) {
        return new Bootstrap().group(group).channel(GetBufSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMillis)
                .handler(new ChannelInboundHandlerAdapter());
    }

    @Test
    void theConnectTimeoutEndsAConnectNobodyAnswers() throws Exception {
        InetSocketAddress blackhole = Blackhole.address();
        int before = registrations();
        long start = System.nanoTime();
        ChannelFuture f = client(300).connect(blackhole);
        assertTrue(f.await(5, TimeUnit.SECONDS), "the connect timed out");
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertInstanceOf(ConnectTimeoutException.class, f.cause(), String.valueOf(f.cause()));
        assertTrue(tookMillis >= 290, "failed after " + tookMillis + " ms, before the 300 ms timeout");
        assertTrue(f.channel().closeFuture().await(1, TimeUnit.SECONDS), "the channel is closed");
        awaitRegistrations(before);
    }

    @Test
    void cancellingTheConnectFutureClosesTheChannel() throws Exception {
        int before = registrations();
        ChannelFuture f = client(10_000).connect(Blackhole.address());
        Thread.sleep(200);
        assertFalse(f.isDone(), "the connect is pending");
        assertTrue(f.cancel(false), "a pending connect can be cancelled");
        assertTrue(f.isCancelled());
        assertTrue(f.channel().closeFuture().await(1, TimeUnit.SECONDS), "cancel closes the channel");
        awaitRegistrations(before);
    }

    @Test
    void closingTheChannelFailsThePendingConnect() throws Exception {
        int before = registrations();
        ChannelFuture f = client(10_000).connect(Blackhole.address());
        Thread.sleep(200);
        Channel ch = f.channel();
        ch.close().sync();
        assertTrue(f.await(1, TimeUnit.SECONDS));
        assertInstanceOf(ClosedChannelException.class, f.cause(), String.valueOf(f.cause()));
        awaitRegistrations(before);
    }

    /** Registrations of the loop's ring that have not ended (a channel's ends when its last operation is back). */
    private static int registrations() throws Exception {
        EventLoop loop = group.next();
        GetBufServerSocketChannel probe = new GetBufServerSocketChannel();
        loop.register(probe).sync();
        try {
            return loop.submit(() -> probe.handler().registrationCount()).get() - 1;
        } finally {
            probe.close().sync();
        }
    }

    private static void awaitRegistrations(int expected) throws Exception {
        int[] now = new int[1];
        TestSupport.await(() -> {
            try {
                now[0] = registrations();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return now[0] == expected;
        }, 5);
        assertEquals(expected, now[0], "every registration but the loop's others ended (the connect came back)");
    }
}
