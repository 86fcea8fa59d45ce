/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.FdSnapshot;
import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import io.getbuf.transport.testsuite.GetBufTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The event loop's own behaviour: wakeups, timers, shutdown with work in flight, re-registration. */
@GetBufTest(warmUp = false)
@Timeout(60)
class EventLoopLifecycleTest {
    @BeforeAll
    static void requireIoUring() {
        GetBufAssumptions.assumeAvailable();
    }

    @Test
    void tasksFromOtherThreadsWakeTheLoopAndTimersFireOnTime() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory());
        try {
            EventLoop loop = group.next();
            loop.submit(() -> { }).sync(); // the loop now sleeps in io_uring_enter
            for (int i = 0; i < 100; i++) {
                assertTrue(loop.submit(() -> { }).await(5, TimeUnit.SECONDS), "wakeup " + i);
            }
            long start = System.nanoTime();
            AtomicLong firedAt = new AtomicLong();
            loop.schedule(() -> firedAt.set(System.nanoTime()), 200, TimeUnit.MILLISECONDS).sync();
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(firedAt.get() - start);
            assertTrue(elapsedMs >= 195, "fired early: " + elapsedMs + " ms");
            // a later deadline armed first, then an earlier one: the earlier must not wait for the later
            CountDownLatch early = new CountDownLatch(1);
            loop.schedule(() -> { }, 10, TimeUnit.SECONDS);
            loop.submit(() -> { }).sync();
            long t0 = System.nanoTime();
            loop.schedule(early::countDown, 50, TimeUnit.MILLISECONDS);
            assertTrue(early.await(5, TimeUnit.SECONDS));
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 2000, "timer update ignored");
        } finally {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    /**
     * A loop shut down without a quiet period may leave its run loop without calling prepareToDestroy (the shutdown
     * lands between its check and confirmShutdown). Its channels must still be closed while the loop can run their
     * last tasks: each gets channelInactive and channelUnregistered, none is closed after the loop has terminated.
     */
    @Test
    void anImmediateShutdownStillTellsEveryChannelItIsClosed() throws Exception {
        for (int round = 0; round < 40; round++) {
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory());
            java.util.concurrent.atomic.AtomicInteger inactive = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger unregistered = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger channels = new java.util.concurrent.atomic.AtomicInteger();
            ChannelInboundHandlerAdapter watcher = new ChannelInboundHandlerAdapter() {
                @Override
                public boolean isSharable() {
                    return true;
                }

                @Override
                public void handlerAdded(ChannelHandlerContext ctx) {
                    channels.incrementAndGet();
                }

                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ctx.writeAndFlush(msg); // keep the loop busy until the end
                }

                @Override
                public void channelInactive(ChannelHandlerContext ctx) {
                    inactive.incrementAndGet();
                }

                @Override
                public void channelUnregistered(ChannelHandlerContext ctx) {
                    unregistered.incrementAndGet();
                }
            };
            Channel server = new ServerBootstrap().group(group).channel(GetBufServerSocketChannel.class)
                    .childHandler(watcher).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            List<Channel> clients = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Channel c = new Bootstrap().group(group).channel(GetBufSocketChannel.class).handler(watcher)
                        .connect(server.localAddress()).sync().channel();
                c.writeAndFlush(ByteBufAllocator.DEFAULT.buffer(64).writeZero(64));
                clients.add(c);
            }
            while (channels.get() < 8) {
                Thread.sleep(1);
            }
            Thread.sleep(round % 5);
            assertTrue(group.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(20, TimeUnit.SECONDS));
            int round0 = round;
            assertEquals(8, inactive.get(), () -> "round " + round0 + ": channelInactive of every channel");
            assertEquals(8, unregistered.get(), () -> "round " + round0 + ": channelUnregistered of every channel");
            for (Channel c : clients) {
                assertTrue(!c.isOpen());
            }
            assertTrue(!server.isOpen());
        }
    }

    @Test
    void shutdownWithOperationsInFlightReleasesEverything() throws Exception {
        FdSnapshot fdsBefore = FdSnapshot.take();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, GetBufIoHandler.newFactory());
        List<ByteBuf> sent = new ArrayList<>();
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        // the server never reads: the client's big write stays in flight, as do both recvs
        Channel server = new ServerBootstrap().group(group).channel(GetBufServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.SO_RCVBUF, 4096)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        accepted.complete(ctx.channel());
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        Channel client = new Bootstrap().group(group).channel(GetBufSocketChannel.class)
                .option(ChannelOption.SO_SNDBUF, 4096)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(server.localAddress()).sync().channel();
        accepted.get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 8; i++) {
            ByteBuf buf = ByteBufAllocator.DEFAULT.directBuffer(1 << 20).writeZero(1 << 20);
            sent.add(buf.retain()); // keep a reference to watch the transport give its own back
            client.write(buf);
        }
        client.flush();
        Thread.sleep(200);
        assertTrue(client.isOpen());
        assertTrue(group.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(20, TimeUnit.SECONDS),
                "shutdown must not hang on operations in flight");
        for (ByteBuf buf : sent) {
            assertEquals(1, buf.refCnt(), "the transport released its references to written buffers");
            ReferenceCountUtil.release(buf);
        }
        assertTrue(!client.isOpen() && !server.isOpen());
        // what this test opened, not a count: another class's descriptor closing meanwhile must not fail it
        for (int i = 0; i < 50 && !FdSnapshot.take().newSince(fdsBefore).isEmpty(); i++) {
            Thread.sleep(100);
        }
        assertEquals(java.util.Map.of(), FdSnapshot.take().newSince(fdsBefore),
                "ring, eventfd and sockets closed");
    }

    @Test
    void channelCanBeDeregisteredAndRegisteredAgain() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, GetBufIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap().group(group).channel(GetBufServerSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ctx.writeAndFlush(msg);
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            List<CompletableFuture<String>> replies = new ArrayList<>();
            replies.add(new CompletableFuture<>());
            Channel client = new Bootstrap().group(group).channel(GetBufSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ByteBuf buf = (ByteBuf) msg;
                            replies.get(replies.size() - 1).complete(buf.toString(
                                    java.nio.charset.StandardCharsets.US_ASCII));
                            buf.release();
                        }
                    }).connect(server.localAddress()).sync().channel();
            EventLoop first = client.eventLoop();
            client.writeAndFlush(io.netty.buffer.Unpooled.copiedBuffer("one", java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals("one", replies.get(0).get(10, TimeUnit.SECONDS));

            client.deregister().sync();
            assertTrue(client.isOpen() && !client.isRegistered());
            EventLoop second = group.next() == first ? group.next() : first;
            replies.add(new CompletableFuture<>());
            second.register(client).sync();
            assertTrue(client.isRegistered());
            client.writeAndFlush(io.netty.buffer.Unpooled.copiedBuffer("two", java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals("two", replies.get(1).get(10, TimeUnit.SECONDS));
            client.close().sync();
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }
}
