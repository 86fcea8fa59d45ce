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
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A channel can leave its event loop ({@code deregister()}) and be registered with another, as Netty allows, while
 * data flows: the registration it leaves ends only when every operation it had in flight has reported back, its
 * completions are processed where the channel lives, a buffer the kernel picked from the old loop's buffer ring goes
 * back to that ring, and what the end of the old registration cancelled (a write, the peer-close watch, the read)
 * resumes on the new one.
 */
@GetBufTest(warmUp = false)
@Timeout(90)
class ReRegistrationTest {
    private static final int CONNECTIONS = 8;
    private static final int CHUNKS = 400;
    private static final int CHUNK = 2048;

    @BeforeAll
    static void requireIoUring() {
        GetBufAssumptions.assumeBufferRing();
    }

    private static EventLoopGroup ringGroup() {
        // two loops, each with its own small buffer ring: a buffer id means a different buffer in each
        return TestSupport.ringGroup(2, 16, 4096);
    }

    @Test
    void busyChannelsMoveBetweenLoopsWithoutLosingOrDuplicatingBytes() throws Exception {
        moveUnderTraffic(ringGroup());
    }

    @Test
    void busyChannelsMoveBetweenLoopsWithPlainReads() throws Exception {
        moveUnderTraffic(new MultiThreadIoEventLoopGroup(2, GetBufIoHandler.newFactory()));
    }

    private static void moveUnderTraffic(EventLoopGroup serverGroup) throws Exception {
        EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        List<Channel> children = new CopyOnWriteArrayList<>();
        List<Channel> clients = new ArrayList<>();
        List<Verifier> verifiers = new ArrayList<>();
        AtomicInteger moves = new AtomicInteger();
        try {
            Channel server = new ServerBootstrap().group(serverGroup).channel(GetBufServerSocketChannel.class)
                    .childHandler(new Echo(children)).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            for (int c = 0; c < CONNECTIONS; c++) {
                Verifier v = new Verifier(c);
                verifiers.add(v);
                clients.add(new Bootstrap().group(clientGroup).channel(NioSocketChannel.class).handler(v)
                        .connect(server.localAddress()).sync().channel());
            }
            Thread writer = new Thread(() -> {
                for (int i = 0; i < CHUNKS; i++) {
                    for (int c = 0; c < CONNECTIONS; c++) {
                        clients.get(c).writeAndFlush(chunk(c, i));
                    }
                    if ((i & 15) == 0) {
                        try {
                            Thread.sleep(1);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            }, "writer");
            writer.start();
            // move children from loop to loop while the data flows, each as soon as its last move has completed
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!allDone(verifiers) && System.nanoTime() < deadline) {
                for (Channel child : children) {
                    if (child.isRegistered()) {
                        move(child, serverGroup, moves);
                    }
                }
                Thread.sleep(2);
            }
            writer.join();
            for (Verifier v : verifiers) {
                v.done.get(10, TimeUnit.SECONDS);
            }
            assertTrue(moves.get() >= CONNECTIONS * 4, "channels moved " + moves.get() + " times");
            for (Channel ch : clients) {
                ch.close().sync();
            }
            server.close().sync();
            // every ring buffer went back to its own ring
            for (EventLoop loop : loopsOf(serverGroup)) {
                BufferRing ring = loop.submit(() -> handlerOf(loop).bufferRing()).get();
                if (ring != null) {
                    TestSupport.await(() -> ring.lentCount() == 0, 5);
                    assertEquals(0, ring.lentCount(), "ring buffers not given back");
                }
            }
        } finally {
            for (Channel ch : clients) {
                ch.close();
            }
            clientGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
            serverGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    private static boolean allDone(List<Verifier> verifiers) {
        for (Verifier v : verifiers) {
            if (!v.done.isDone()) {
                return false;
            }
        }
        return true;
    }

    /** Deregisters {@code ch} and registers it with the other loop once the deregistration has completed. */
    private static void move(Channel ch, EventLoopGroup group, AtomicInteger moves) throws Exception {
        EventLoop target = otherLoop(group, ch.eventLoop());
        CompletableFuture<Void> moved = new CompletableFuture<>();
        ch.eventLoop().execute(() -> ch.deregister().addListener(f -> {
            if (!f.isSuccess()) {
                moved.completeExceptionally(f.cause());
                return;
            }
            target.register(ch).addListener(r -> {
                if (r.isSuccess()) {
                    moves.incrementAndGet();
                    moved.complete(null);
                } else {
                    moved.completeExceptionally(r.cause());
                }
            });
        }));
        moved.get(10, TimeUnit.SECONDS);
    }

    private static EventLoop otherLoop(EventLoopGroup group, EventLoop current) {
        for (EventLoop loop : loopsOf(group)) {
            if (loop != current) {
                return loop;
            }
        }
        throw new AssertionError("one loop only");
    }

    private static List<EventLoop> loopsOf(EventLoopGroup group) {
        List<EventLoop> loops = new ArrayList<>();
        group.forEach(e -> loops.add((EventLoop) e));
        return loops;
    }

    private static GetBufIoHandler handlerOf(EventLoop loop) {
        // a throwaway registration tells which handler drives the loop
        GetBufServerSocketChannel probe = new GetBufServerSocketChannel();
        try {
            loop.register(probe).syncUninterruptibly();
            return probe.handler();
        } finally {
            probe.close().syncUninterruptibly();
        }
    }

    private static ByteBuf chunk(int c, int i) {
        byte[] bytes = new byte[CHUNK];
        for (int b = 0; b < CHUNK; b++) {
            bytes[b] = patternByte(c, i * CHUNK + b);
        }
        return Unpooled.wrappedBuffer(bytes);
    }

    private static byte patternByte(int c, long at) {
        return (byte) (c * 13 + at * 7 + (at >>> 11));
    }

    @ChannelHandler.Sharable
    private static final class Echo extends ChannelInboundHandlerAdapter {
        private final List<Channel> children;

        Echo(List<Channel> children) {
            this.children = children;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            children.add(ctx.channel());
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }

    /** Checks that connection {@code c} gets back exactly its own stream. */
    private static final class Verifier extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private final int c;
        private long received;

        Verifier(int c) {
            this.c = c;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                while (buf.isReadable()) {
                    byte b = buf.readByte();
                    if (received >= (long) CHUNKS * CHUNK) {
                        done.completeExceptionally(new AssertionError("connection " + c + ": more bytes echoed than "
                                + "sent (duplicated)"));
                        return;
                    }
                    if (b != patternByte(c, received)) {
                        done.completeExceptionally(new AssertionError("connection " + c + ": byte " + received
                                + " is " + b + ", expected " + patternByte(c, received)));
                        return;
                    }
                    received++;
                }
                if (received == (long) CHUNKS * CHUNK) {
                    done.complete(null);
                }
            } finally {
                buf.release();
            }
        }
    }

    // ---- what the end of a registration cancels resumes on the next ----

    @Test
    void aWriteCancelledByTheMoveIsSentFromTheNewLoop() throws Exception {
        EventLoopGroup serverGroup = ringGroup();
        EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        BlockingQueue<Channel> children = new LinkedBlockingQueue<>();
        int size = 8 * 1024 * 1024; // far more than the socket buffers hold: the send waits in the kernel
        try {
            Channel server = new ServerBootstrap().group(serverGroup).channel(GetBufServerSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            children.add(ctx.channel());
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            Counter counter = new Counter(size);
            Channel client = new Bootstrap().group(clientGroup).channel(NioSocketChannel.class)
                    .option(ChannelOption.AUTO_READ, false).handler(counter)
                    .connect(server.localAddress()).sync().channel();
            Channel child = children.poll(10, TimeUnit.SECONDS);
            byte[] data = new byte[size];
            for (int i = 0; i < size; i++) {
                data[i] = (byte) (i * 31 + (i >>> 13));
            }
            counter.expect(data);
            child.writeAndFlush(Unpooled.wrappedBuffer(data));
            Thread.sleep(200); // the send is in the kernel, waiting for room
            move(child, serverGroup, new AtomicInteger());
            client.config().setAutoRead(true);
            counter.done.get(20, TimeUnit.SECONDS);
            client.close().sync();
            server.close().sync();
        } finally {
            clientGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
            serverGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void aMovedChannelThatReadsNothingStillSeesThePeerClose() throws Exception {
        EventLoopGroup serverGroup = new MultiThreadIoEventLoopGroup(2, GetBufIoHandler.newFactory());
        EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        BlockingQueue<Channel> children = new LinkedBlockingQueue<>();
        CompletableFuture<Void> inactive = new CompletableFuture<>();
        try {
            Channel server = new ServerBootstrap().group(serverGroup).channel(GetBufServerSocketChannel.class)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            children.add(ctx.channel());
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext ctx) {
                            inactive.complete(null);
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            Channel client = new Bootstrap().group(clientGroup).channel(NioSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(server.localAddress()).sync().channel();
            Channel child = children.poll(10, TimeUnit.SECONDS);
            Thread.sleep(50); // the peer-close watch of the first registration is armed
            move(child, serverGroup, new AtomicInteger());
            client.close().sync();
            // nothing reads (AUTO_READ off, no read()): only the peer-close watch can notice
            inactive.get(10, TimeUnit.SECONDS);
            server.close().sync();
        } finally {
            clientGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
            serverGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    /** Counts and checks what a connection receives. */
    private static final class Counter extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private final int size;
        private byte[] expected;
        private int received;

        Counter(int size) {
            this.size = size;
        }

        void expect(byte[] data) {
            expected = data;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                while (buf.isReadable()) {
                    byte b = buf.readByte();
                    if (received >= size || b != expected[received]) {
                        done.completeExceptionally(new AssertionError("byte " + received + " differs or is extra"));
                        return;
                    }
                    received++;
                }
                if (received == size) {
                    done.complete(null);
                }
            } finally {
                buf.release();
            }
        }
    }
}
