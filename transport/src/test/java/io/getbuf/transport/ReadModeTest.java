/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.internal.SystemPropertyUtil;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Plain reads park recvs while the event loop is idle and wait on a multishot POLLIN poll while
 * it is busy; switching back and forth loses and duplicates nothing, and every poll goes back.
 */
@GetBufTest(warmUp = false)
@Timeout(60)
class ReadModeTest {
    private static final int CONNECTIONS = 8;
    private static final int ROUND_TRIPS = 20;

    @BeforeAll
    static void requireAdaptiveReads() {
        GetBufAssumptions.assumeAvailable();
        GetBufAssumptions.assumeFeature(GetBuf.isRecvMultishotSupported(), () -> "kernel before 6.0: reads always park");
        String mode = SystemPropertyUtil.get(GetBufSocketChannel.READINESS_PROPERTY, "adaptive");
        assumeTrue("adaptive".equals(mode), "reads fixed to one mode by -D" + GetBufSocketChannel.READINESS_PROPERTY);
    }

    @Test
    void switchesBetweenParkedRecvsAndReadinessReadsWithoutLosingBytes() throws Exception {
        EventLoopGroup serverGroup = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory());
        EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory());
        List<Channel> clients = new ArrayList<>();
        List<BlockingQueue<String>> replies = new ArrayList<>();
        try {
            Channel server = new ServerBootstrap().group(serverGroup).channel(GetBufServerSocketChannel.class)
                    .childHandler(new Echo()).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            GetBufIoHandler handler = serverGroup.next().submit(() -> ((AbstractGetBufChannel) server).handler()).get();
            for (int c = 0; c < CONNECTIONS; c++) {
                BlockingQueue<String> q = new LinkedBlockingQueue<>();
                replies.add(q);
                clients.add(new Bootstrap().group(clientGroup).channel(GetBufSocketChannel.class)
                        .handler(new SimpleChannelInboundHandler<ByteBuf>() {
                            private final StringBuilder pending = new StringBuilder();

                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                pending.append(msg.toString(StandardCharsets.US_ASCII));
                                int end;
                                while ((end = pending.indexOf("\n")) >= 0) {
                                    q.add(pending.substring(0, end));
                                    pending.delete(0, end + 1);
                                }
                            }
                        }).connect(server.localAddress()).sync().channel());
            }

            long[] idle = roundTrips(serverGroup, handler, false, "idle-1", clients, replies);
            assertEquals(0, idle[0], "an idle loop arms no POLLIN poll");
            assertTrue(idle[1] >= CONNECTIONS * ROUND_TRIPS / 2, "an idle loop parks its recvs: " + idle[1]);

            long[] busy = roundTrips(serverGroup, handler, true, "busy", clients, replies);
            assertTrue(busy[0] >= CONNECTIONS, "each connection waits on a POLLIN poll: " + busy[0]);
            assertEquals(0, busy[1], "a busy loop parks no recv");

            long[] idleAgain = roundTrips(serverGroup, handler, false, "idle-2", clients, replies);
            assertEquals(0, idleAgain[0]);
            assertTrue(idleAgain[1] >= CONNECTIONS * ROUND_TRIPS / 2, "parked again: " + idleAgain[1]);

            long[] busyAgain = roundTrips(serverGroup, handler, true, "busy-2", clients, replies);
            assertTrue(busyAgain[0] >= CONNECTIONS, "the polls cancelled when idle are armed again: " + busyAgain[0]);
            for (Channel ch : clients) {
                ch.close().sync();
            }
            server.close().sync();
        } finally {
            for (Channel ch : clients) {
                ch.close();
            }
            clientGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
            serverGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    /**
     * With AUTO_READ off nothing may wake the loop for data nobody asked for: the multishot POLLIN poll that
     * readiness reads wait on is cancelled at its first wake-up after AUTO_READ went off. What arrived meanwhile is
     * read once AUTO_READ is on again.
     */
    @Test
    void autoReadOffStopsThePollFromWakingTheLoop() throws Exception {
        EventLoopGroup serverGroup = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory());
        EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory());
        BlockingQueue<Channel> children = new LinkedBlockingQueue<>();
        StringBuilder received = new StringBuilder();
        try {
            Channel server = new ServerBootstrap().group(serverGroup).channel(GetBufServerSocketChannel.class)
                    .childHandler(new SimpleChannelInboundHandler<ByteBuf>() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            children.add(ctx.channel());
                        }

                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                            synchronized (received) {
                                received.append(msg.toString(StandardCharsets.US_ASCII));
                            }
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            GetBufIoHandler handler = serverGroup.next().submit(() -> ((AbstractGetBufChannel) server).handler()).get();
            serverGroup.next().submit(() -> handler.overrideBusy(true)).sync(); // reads wait on the poll
            Channel client = new Bootstrap().group(clientGroup).channel(GetBufSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter()).connect(server.localAddress()).sync().channel();
            Channel child = children.poll(10, TimeUnit.SECONDS);
            client.writeAndFlush(Unpooled.copiedBuffer("first;", StandardCharsets.US_ASCII)).sync();
            awaitReceived(received, "first;");
            long armed = serverGroup.next().submit(() -> handler.readinessArmed).get();
            assertTrue(armed >= 1, "the busy loop waits on a POLLIN poll");

            child.config().setAutoRead(false);
            Thread.sleep(50);
            long before = serverGroup.next().submit(() -> handler.readinessWakeups).get();
            StringBuilder sent = new StringBuilder("first;");
            for (int i = 0; i < 50; i++) {
                String m = "segment " + i + ';';
                sent.append(m);
                client.writeAndFlush(Unpooled.copiedBuffer(m, StandardCharsets.US_ASCII)).sync();
                Thread.sleep(2);
            }
            Thread.sleep(100);
            long wakeups = serverGroup.next().submit(() -> handler.readinessWakeups).get() - before;
            // at most the first segment's wake-up, which cancels the poll, and the cancelled poll's last completion
            assertTrue(wakeups <= 2, "with AUTO_READ off the loop was woken " + wakeups + " times for 50 unread segments");
            synchronized (received) {
                assertEquals("first;", received.toString(), "nothing read with AUTO_READ off");
            }

            child.config().setAutoRead(true);
            awaitReceived(received, sent.toString());
            client.close().sync();
            server.close().sync();
        } finally {
            clientGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
            serverGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    private static void awaitReceived(StringBuilder received, String expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (;;) {
            synchronized (received) {
                if (received.length() >= expected.length() || System.nanoTime() > deadline) {
                    assertEquals(expected, received.toString());
                    return;
                }
            }
            Thread.sleep(5);
        }
    }

    @ChannelHandler.Sharable
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }

    /** Runs the round trips with the server loop fixed busy or idle; returns {polls armed, recvs parked}. */
    private static long[] roundTrips(EventLoopGroup serverGroup, GetBufIoHandler handler, boolean busy, String phase,
                                     List<Channel> clients, List<BlockingQueue<String>> replies) throws Exception {
        long[] before = serverGroup.next().submit(() -> {
            handler.overrideBusy(busy);
            return new long[] {handler.readinessArmed, handler.parkedRecvs};
        }).get();
        for (int i = 0; i < ROUND_TRIPS; i++) {
            for (int c = 0; c < clients.size(); c++) {
                clients.get(c).writeAndFlush(Unpooled.copiedBuffer(phase + ' ' + c + ' ' + i + '\n',
                        StandardCharsets.US_ASCII));
            }
            for (int c = 0; c < clients.size(); c++) {
                String reply = replies.get(c).poll(10, TimeUnit.SECONDS);
                assertEquals(phase + ' ' + c + ' ' + i, reply, "echo of connection " + c);
            }
        }
        long[] after = serverGroup.next().submit(
                () -> new long[] {handler.readinessArmed, handler.parkedRecvs}).get();
        for (BlockingQueue<String> q : replies) {
            assertTrue(q.isEmpty(), "no duplicate: " + q);
        }
        return new long[] {after[0] - before[0], after[1] - before[1]};
    }
}
