/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.FileTransferTest.ByteAt;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the transport's tests share, so that each test says only what it is about: event loop groups, a getbuf
 * server whose children write what a test gives them, clients that check every byte they receive (at full speed or
 * paced, as a slow peer), and the check that a loop lent out nothing (chunks, slots, pipes).
 */
final class Fixtures {
    private Fixtures() {
    }

    /**
     * The file strategies a parameterized test runs: every one but AUTO, or those the property
     * {@code getbuf.test.strategies} names (comma-separated; the VM's run names GET_BUF alone, since the others are
     * covered on the host and each costs minutes under emulation).
     */
    static java.util.stream.Stream<GetBufFileStrategy> strategies() {
        String only = System.getProperty("getbuf.test.strategies", "").trim();
        return java.util.Arrays.stream(GetBufFileStrategy.values())
                .filter(s -> s != GetBufFileStrategy.AUTO)
                .filter(s -> only.isEmpty() || java.util.Arrays.asList(only.split("\\s*,\\s*")).contains(s.name()));
    }

    /** Of {@link #strategies()}, those among {@code among}. */
    static java.util.stream.Stream<GetBufFileStrategy> strategies(GetBufFileStrategy... among) {
        java.util.List<GetBufFileStrategy> wanted = java.util.Arrays.asList(among);
        return strategies().filter(wanted::contains);
    }

    /** How much longer waits may take here ({@code -Dgetbuf.test.timeoutScale}: 6 in the VM, emulated). */
    static final int TIMEOUT_SCALE = Integer.getInteger("getbuf.test.timeoutScale", 1);

    /** {@code seconds} scaled for where the test runs. */
    static long scaled(long seconds) {
        return seconds * TIMEOUT_SCALE;
    }

    /** {@code loops} getbuf event loops with {@code config}. */
    static EventLoopGroup getbuf(int loops, GetBufIoHandlerConfig config) {
        return new MultiThreadIoEventLoopGroup(loops, GetBufIoHandler.newFactory(config));
    }

    /** {@code loops} NIO event loops (peers that do not depend on the transport under test). */
    static EventLoopGroup nio(int loops) {
        return new MultiThreadIoEventLoopGroup(loops, NioIoHandler.newFactory());
    }

    /** Shuts the groups down and waits for them (nulls are skipped). */
    static void shutdown(EventLoopGroup... groups) throws InterruptedException {
        for (EventLoopGroup g : groups) {
            if (g != null) {
                g.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
            }
        }
    }

    /**
     * A getbuf server on 127.0.0.1 whose children use {@code strategy} for file regions and, once active, write what
     * {@code onActive} writes; every child is added to {@code children}.
     */
    static Channel server(EventLoopGroup loops, GetBufFileStrategy strategy, List<Channel> children,
                          Consumer<ChannelHandlerContext> onActive) throws InterruptedException {
        return new ServerBootstrap().group(loops).channel(GetBufServerSocketChannel.class)
                .childOption(GetBufChannelOption.FILE_STRATEGY, strategy)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public boolean isSharable() {
                        return true;
                    }

                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        synchronized (children) {
                            children.add(ctx.channel());
                        }
                        onActive.accept(ctx);
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    /** How a {@link Reader} takes bytes: {@code bytesPerRead} per read, {@code pauseMillis} between reads. */
    static final class Pace {
        static final Pace FULL_SPEED = new Pace(0, 0);
        final int bytesPerRead;
        final long pauseMillis;

        Pace(int bytesPerRead, long pauseMillis) {
            this.bytesPerRead = bytesPerRead;
            this.pauseMillis = pauseMillis;
        }

        boolean paced() {
            return bytesPerRead > 0;
        }
    }

    /**
     * A client connection that checks every byte it receives against {@code expected}; {@link #done} completes with
     * the byte count once the peer closed after exactly {@code size} bytes, exceptionally on the first wrong byte,
     * on too many bytes or on a close before all of them.
     */
    static final class Reader extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Long> done = new CompletableFuture<>();
        private final long size;
        private final ByteAt expected;
        private final Pace pace;
        private final byte[] scratch = new byte[64 * 1024];
        volatile long received;
        volatile Channel channel;

        Reader(long size, ByteAt expected, Pace pace) {
            this.size = size;
            this.expected = expected;
            this.pace = pace;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            if (pace.paced()) {
                ctx.read();
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                long at = received;
                while (buf.isReadable()) {
                    int n = Math.min(buf.readableBytes(), scratch.length);
                    buf.readBytes(scratch, 0, n); // in bulk: each access to a tracked buffer records a trace
                    for (int i = 0; i < n; i++, at++) {
                        if (at >= size) {
                            fail(ctx, "more than the " + size + " bytes expected arrived");
                            return;
                        }
                        byte want = expected.apply(at);
                        if (scratch[i] != want) {
                            fail(ctx, "byte " + at + " is " + scratch[i] + ", expected " + want);
                            return;
                        }
                    }
                }
                received = at;
            } finally {
                buf.release();
            }
        }

        private void fail(ChannelHandlerContext ctx, String why) {
            done.completeExceptionally(new AssertionError(why));
            ctx.close();
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (pace.paced() && !done.isDone()) {
                ctx.executor().schedule(() -> {
                    ctx.read();
                }, pace.pauseMillis, TimeUnit.MILLISECONDS);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (received == size) {
                done.complete(received);
            } else {
                done.completeExceptionally(new AssertionError("connection closed after " + received + " of "
                        + size + " bytes"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
            ctx.close();
        }
    }

    /** The byte at {@code offset} of the stream {@code seed} names (the same for every caller). */
    static byte streamByte(long seed, long offset) {
        long z = seed * 0x9E3779B97F4A7C15L + (offset >>> 3) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 31)) * 0x94D049BB133111EBL;
        return (byte) (z >>> (8 * (offset & 7)));
    }

    /**
     * An NIO client that sends {@code size} bytes of stream {@code seed} to an echo server and checks that what comes
     * back is the same stream, byte by byte; {@link #received} completes with the count once all came back.
     */
    static final class EchoStream extends ChannelInboundHandlerAdapter {
        final long sent;
        final CompletableFuture<Long> received = new CompletableFuture<>();
        private final long seed;
        private long at;

        private EchoStream(long size, long seed) {
            this.sent = size;
            this.seed = seed;
        }

        static EchoStream run(EventLoopGroup clients, SocketAddress server, long size, long seed)
                throws InterruptedException {
            EchoStream echo = new EchoStream(size, seed);
            Channel ch = new Bootstrap().group(clients).channel(NioSocketChannel.class).handler(echo)
                    .connect(server).sync().channel();
            ch.eventLoop().execute(() -> {
                for (long off = 0; off < size; ) {
                    int n = (int) Math.min(16 * 1024, size - off);
                    ByteBuf b = ch.alloc().buffer(n);
                    for (int i = 0; i < n; i++) {
                        b.writeByte(streamByte(seed, off + i));
                    }
                    ch.write(b);
                    off += n;
                }
                ch.flush();
            });
            echo.received.whenComplete((n, t) -> ch.close());
            return echo;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                while (buf.isReadable()) {
                    byte b = buf.readByte();
                    if (b != streamByte(seed, at)) {
                        received.completeExceptionally(new AssertionError("echoed byte " + at + " is " + b
                                + ", expected " + streamByte(seed, at)));
                        return;
                    }
                    at++;
                }
            } finally {
                buf.release();
            }
            if (at == sent) {
                received.complete(at);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            received.completeExceptionally(new AssertionError("closed after " + at + " of " + sent + " bytes"));
        }
    }

    /** Connects a {@link Reader} of {@code size} bytes to {@code server}. */
    static Reader connect(EventLoopGroup clients, SocketAddress server, long size, ByteAt expected, Pace pace)
            throws InterruptedException {
        Reader reader = new Reader(size, expected, pace);
        Bootstrap b = new Bootstrap().group(clients).channel(NioSocketChannel.class).handler(reader);
        if (pace.paced()) {
            b.option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(pace.bytesPerRead))
                    .option(ChannelOption.SO_RCVBUF, 64 * 1024);
        }
        b.connect(server).sync();
        return reader;
    }

    /** Waits for every reader; fails with the first one's failure. */
    static void awaitAll(List<Reader> readers, long seconds) throws Exception {
        seconds = scaled(seconds);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (int i = 0; i < readers.size(); i++) {
            Reader r = readers.get(i);
            long left = Math.max(1, deadline - System.nanoTime());
            try {
                r.done.get(left, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("reader " + i + " has " + r.received + " bytes after " + seconds + " s", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new AssertionError("reader " + i + ": " + e.getCause().getMessage(), e.getCause());
            } finally {
                Channel ch = r.channel;
                if (ch != null) {
                    ch.close();
                }
            }
        }
    }

    /** Every write succeeded (waiting for each up to 10 s). */
    static void assertSucceeded(List<ChannelFuture> writes) throws InterruptedException {
        List<ChannelFuture> copy;
        synchronized (writes) {
            copy = new ArrayList<>(writes);
        }
        for (ChannelFuture w : copy) {
            assertTrue(w.await(scaled(10), TimeUnit.SECONDS), "write not done");
            assertTrue(w.isSuccess(), "write failed: " + w.cause());
        }
    }

    /** What {@code loop} has lent out: "" when every chunk, slot and pipe is back. */
    static String lent(EventLoop loop) throws Exception {
        GetBufIoHandler h = GetBufIoHandler.handlerOf(loop);
        Callable<String> lent = () -> {
            FileSendStrategies s = h.fileStrategies();
            RegisteredBufferTable t = s.table();
            FileChunks c = s.chunks();
            // registered buffers released by their users stay in their slots for reuse (idle): not lent
            RegisteredByteBufAllocator r = s.slotBuffersInUse() ? s.registeredBuffers() : null;
            int idle = r == null ? 0 : r.idleRegions();
            int users = r == null ? 0 : r.lent();
            return c.freeChunks() == c.chunks() && s.pipes().lentPipes() == 0
                    && t.emptySlots() + idle == t.userSlots() && t.transferSlots() == 0 && users == 0 ? ""
                    : "free chunks " + c.freeChunks() + " of " + c.chunks() + ", empty slots " + t.emptySlots()
                    + " (+ " + idle + " idle) of " + t.userSlots() + " (transfers hold " + t.transferSlots()
                    + ", users " + users + "), pipes lent " + s.pipes().lentPipes();
        };
        return loop.submit(lent).get(10, TimeUnit.SECONDS);
    }

    /** Every loop of {@code group} gets back all it lent within 5 s. */
    static void assertNothingLent(EventLoopGroup group) throws Exception {
        for (io.netty.util.concurrent.EventExecutor e : group) {
            EventLoop loop = (EventLoop) e;
            TestSupport.await(() -> {
                try {
                    return lent(loop).isEmpty();
                } catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
            }, scaled(5));
            assertEquals("", lent(loop), "still lent on " + loop);
        }
    }
}
