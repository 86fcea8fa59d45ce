/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each figure of {@link GetBufLoopStats} moves when what it counts happens, and the gauges come back to 0. */
@GetBufTest(warmUp = false)
@Timeout(120)
class LoopStatsTest {
    private static final long BIG = 8L << 20;

    @TempDir
    static Path dir;
    private static EventLoopGroup clients;
    private static Path big;

    @BeforeAll
    static void setUp() throws Exception {
        GetBufAssumptions.assumeAvailable();
        clients = Fixtures.nio(1);
        big = FileTransferTest.patternFile(dir, BIG);
    }

    @AfterAll
    static void tearDown() throws Exception {
        Fixtures.shutdown(clients);
    }

    private static GetBufLoopStats stats(EventLoop loop) throws Exception {
        return GetBufIoHandler.stats(loop).get(10, TimeUnit.SECONDS);
    }

    /** An echo server on {@code loops} whose handler writes back what it reads. */
    private static Channel echoServer(EventLoopGroup loops) throws InterruptedException {
        return new ServerBootstrap().group(loops).channel(GetBufServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public boolean isSharable() {
                        return true;
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ctx.writeAndFlush(msg);
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    private static void echo(Socket s, int b) throws Exception {
        s.getOutputStream().write(b);
        assertEquals(b, s.getInputStream().read());
    }

    @Test
    void submissionsEntersAndCompletionsCountWhatTheLoopDid() throws Exception {
        EventLoopGroup loops = Fixtures.getbuf(2, new GetBufIoHandlerConfig());
        try {
            Channel server = echoServer(loops);
            EventLoop loop = loops.next(); // the server's loop: the group hands out loops in turn
            GetBufLoopStats before = GetBufLoopStats.sum(List.of(stats(loops.next()), stats(loops.next())));
            try (Socket s = new Socket()) {
                s.connect(server.localAddress());
                for (int i = 0; i < 100; i++) {
                    echo(s, i);
                }
            }
            GetBufLoopStats after = GetBufIoHandler.stats(loops).get(10, TimeUnit.SECONDS);
            assertEquals(2, after.loops());
            assertTrue(after.enterCalls() >= before.enterCalls() + 100, after + " after " + before);
            assertTrue(after.sqesSubmitted() >= before.sqesSubmitted() + 200, "a recv and a send per echo: " + after);
            assertTrue(after.completions() >= before.completions() + 200, after.toString());
            assertEquals(0, after.cqOverflowFlushes(), "a CQ of twice the ring never overflowed here");
            server.close().sync();
            assertTrue(stats(loop).enterCalls() > 0);
        } finally {
            Fixtures.shutdown(loops);
        }
    }

    @Test
    void aCompletionQueueTooSmallForABurstOverflowsAndIsFlushed() throws Exception {
        EventLoopGroup loops = Fixtures.getbuf(1, new GetBufIoHandlerConfig().setRingSize(8).setCqSize(8));
        EventLoop loop = loops.next();
        List<Socket> sockets = new ArrayList<>();
        try {
            Channel server = echoServer(loops);
            for (int i = 0; i < 32; i++) {
                Socket s = new Socket();
                s.connect(server.localAddress());
                echo(s, 1); // every connection accepted, its recv parked
                sockets.add(s);
            }
            long overflowsBefore = stats(loop).cqOverflowFlushes();
            long deferredBefore = stats(loop).deferredCompletions();
            // the loop is busy while 32 recvs complete: their CQEs cannot all fit 8 entries
            GetBufIoHandler handler = GetBufIoHandler.handlerOf(loop);
            Future<?> busy = loop.submit(() -> {
                // and the first time the SQ fills, the kernel takes none of it: the CQ's completions are set aside
                handler.refuseWhenFull = true;
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Thread.sleep(50);
            for (Socket s : sockets) {
                s.getOutputStream().write(2);
            }
            busy.get(10, TimeUnit.SECONDS);
            for (Socket s : sockets) {
                assertEquals(2, s.getInputStream().read(), "every echo arrives after the overflow");
            }
            GetBufLoopStats after = stats(loop);
            assertTrue(after.cqOverflowFlushes() > overflowsBefore, after.toString());
            assertTrue(after.deferredCompletions() > deferredBefore, after.toString());
            server.close().sync();
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
            Fixtures.shutdown(loops);
        }
    }

    @Test
    void anExhaustedBufferRingIsCounted() throws Exception {
        GetBufAssumptions.assumeBufferRing();
        EventLoopGroup loops = TestSupport.ringGroup(1, 2, 1024);
        EventLoop loop = loops.next();
        List<ByteBuf> held = new ArrayList<>();
        try {
            // the handler keeps what it reads: after two reads the ring has nothing left
            Channel server = new ServerBootstrap().group(loops).channel(GetBufServerSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            synchronized (held) {
                                held.add((ByteBuf) msg);
                            }
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            try (Socket s = new Socket()) {
                s.connect(server.localAddress());
                OutputStream out = s.getOutputStream();
                for (int i = 0; i < 4; i++) {
                    out.write(new byte[100]);
                    out.flush();
                    int n = i + 1;
                    assertTrue(TestSupport.await(() -> {
                        synchronized (held) {
                            return held.stream().mapToInt(ByteBuf::readableBytes).sum() >= 100 * n;
                        }
                    }, 10));
                }
                assertEquals(1, stats(loop).bufferRingExhausted(), "one episode, one count");
            } finally {
                server.close().sync();
            }
        } finally {
            synchronized (held) {
                held.forEach(ByteBuf::release);
            }
            Fixtures.shutdown(loops);
        }
    }

    /** SENDFILE's sendfile(2) calls are counted: an 8 MiB region takes at least one per MiB (its chunk). */
    @Test
    void sendfileCallsAreCounted() throws Exception {
        EventLoopGroup loops = Fixtures.getbuf(1, new GetBufIoHandlerConfig());
        try {
            GetBufLoopStats before = stats(loops.next());
            List<ChannelFuture> writes = new ArrayList<>();
            Channel server = FileTransferTest.serveFile(loops, big, GetBufFileStrategy.SENDFILE, writes);
            try {
                FileTransferTest.Checker checker = new FileTransferTest.Checker(BIG, FileTransferTest::patternAt);
                Channel c = new Bootstrap().group(clients).channel(NioSocketChannel.class).handler(checker)
                        .connect(server.localAddress()).sync().channel();
                try {
                    assertEquals(BIG, checker.done.get(60, TimeUnit.SECONDS));
                } finally {
                    c.close().sync();
                }
            } finally {
                server.close().sync();
            }
            for (ChannelFuture w : writes) {
                assertTrue(w.await(10, TimeUnit.SECONDS) && w.isSuccess(), "write " + w.cause());
            }
            GetBufLoopStats after = stats(loops.next());
            assertTrue(after.sendfileCalls() - before.sendfileCalls() >= BIG >> 20, before + " -> " + after);
            assertEquals(before.bufferTableUpdates(), after.bufferTableUpdates(), "SENDFILE lends no slot: " + after);
        } finally {
            Fixtures.shutdown(loops);
        }
    }

    @Test
    void registeredBuffersInUseAndWaits() throws Exception {
        GetBufAssumptions.assumeRegisteredBuffers();
        // 4 slots, 1 of them a file chunk: 3 for users
        EventLoopGroup loops = Fixtures.getbuf(1, new GetBufIoHandlerConfig().setRegisteredBuffers(4)
                .setFileChunks(1, 256 * 1024));
        EventLoop loop = loops.next();
        try {
            List<ByteBuf> bufs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                bufs.add(GetBufIoHandler.allocateRegistered(loop, 8192).get(10, TimeUnit.SECONDS));
            }
            Future<ByteBuf> fourth = GetBufIoHandler.allocateRegistered(loop, 8192);
            assertFalse(fourth.await(200, TimeUnit.MILLISECONDS), "every user slot is held");
            GetBufLoopStats s = stats(loop);
            assertEquals(3, s.registeredBuffersInUse(), s.toString());
            assertEquals(1, s.registeredBufferWaits(), s.toString());
            bufs.remove(0).release();
            bufs.add(fourth.get(10, TimeUnit.SECONDS));
            bufs.forEach(ByteBuf::release);
            assertTrue(TestSupport.await(() -> {
                try {
                    return stats(loop).registeredBuffersInUse() == 0;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, 5), "released buffers are no longer in use");
        } finally {
            Fixtures.shutdown(loops);
        }
    }

    @Test
    void pipesAndChunksLentToTransfersOfSilentPeers() throws Exception {
        EventLoopGroup loops = Fixtures.getbuf(1, new GetBufIoHandlerConfig().setPipes(1, 64 * 1024));
        EventLoop loop = loops.next();
        List<Channel> silent = new ArrayList<>();
        List<ChannelFuture> writes = new ArrayList<>();
        List<Channel> children = new ArrayList<>();
        GetBufFileStrategy[] strategies = {GetBufFileStrategy.SPLICE, GetBufFileStrategy.SPLICE,
            GetBufFileStrategy.READ_FIXED};
        Channel server = new ServerBootstrap().group(loops).channel(GetBufServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public boolean isSharable() {
                        return true;
                    }

                    @Override
                    public void channelActive(ChannelHandlerContext ctx) throws Exception {
                        int n;
                        synchronized (children) {
                            children.add(ctx.channel());
                            n = children.size() - 1;
                        }
                        ctx.channel().config().setOption(GetBufChannelOption.FILE_STRATEGY, strategies[n]);
                        ctx.channel().config().setOption(ChannelOption.SO_SNDBUF, 64 * 1024);
                        FileChannel fc = FileChannel.open(big, StandardOpenOption.READ);
                        ChannelFuture w = ctx.writeAndFlush(new DefaultFileRegion(fc, 0, BIG));
                        synchronized (writes) {
                            writes.add(w);
                        }
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try {
            for (int i = 0; i < strategies.length; i++) {
                silent.add(new Bootstrap().group(clients).channel(NioSocketChannel.class)
                        .option(ChannelOption.AUTO_READ, false).option(ChannelOption.SO_RCVBUF, 64 * 1024)
                        .handler(new ChannelInboundHandlerAdapter()).connect(server.localAddress()).sync().channel());
                int accepted = i + 1;
                boolean ok = TestSupport.await(() -> {
                    synchronized (children) {
                        return children.size() == accepted;
                    }
                }, 10);
                if (!ok) {
                    Future<Integer> alive = loop.submit(() -> 1);
                    throw new AssertionError("accepted " + children.size() + " of " + accepted + "; loop answers: "
                            + alive.await(2, TimeUnit.SECONDS));
                }
                Thread.sleep(200); // its transfer fills the socket and waits with what it took
            }
            GetBufLoopStats s = stats(loop);
            if (GetBuf.isSpliceSupported()) {
                assertEquals(1, s.pipesLent(), s.toString());
                assertTrue(s.pipesExhausted() >= 1, "the second SPLICE transfer found the one pipe lent: " + s);
            }
            if (GetBuf.isRegisteredBuffersSupported()) {
                assertTrue(s.fileChunksInUse() > 0 && s.fileChunksInUse() <= s.fileChunks(), s.toString());
            }
            assertEquals(0, s.transferSlotsInUse(), "no GET_BUF transfer: " + s);
        } finally {
            for (Channel c : silent) {
                c.close().sync();
            }
            server.close().sync();
            for (int i = 0; i < writes.size(); i++) {
                ChannelFuture w = writes.get(i);
                assertTrue(w.await(10, TimeUnit.SECONDS), "write " + i + " (" + strategies[i] + ") ended: "
                        + w.channel() + " open " + w.channel().isOpen() + " "
                        + ((GetBufSocketChannel) w.channel()).fileSendStats());
            }
            Fixtures.assertNothingLent(loops);
            GetBufLoopStats s;
            s = stats(loop);
            assertEquals(0, s.pipesLent() + s.fileChunksInUse() + s.registeredBuffersInUse(), s.toString());
            Fixtures.shutdown(loops);
        }
    }
}
