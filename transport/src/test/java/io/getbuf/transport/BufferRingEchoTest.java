/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.getbuf.transport.testsuite.GetBufTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many connections echoing through one provided-buffer ring at once (the echo benchmark's shape):
 * every message comes back byte for byte, the ring never runs dry for good, and every ring buffer
 * is back with the kernel at the end.
 */
@GetBufTest(warmUp = false)
@Timeout(120)
class BufferRingEchoTest {
    private static final int CONNECTIONS = 64;
    private static final int ROUNDS = 50;

    @BeforeAll
    static void requireBufferRing() {
        GetBufAssumptions.assumeBufferRing();
    }

    @ParameterizedTest(name = "{0} x {1} B buffers (incremental {2}, multishot {3}), {4} B messages")
    @CsvSource({
            "256, 65536, true, false, 16384",
            "256, 65536, true, false, 64",
            "1024, 4096, true, false, 16384",
            "256, 65536, false, false, 16384",
            "256, 65536, true, true, 16384",
            "256, 65536, true, true, 64",
            "1024, 4096, false, true, 16384",
    })
    void manyConnectionsPingPong(int entries, int bufferSize, boolean incremental, boolean multishot,
                                 int messageSize) throws Exception {
        EventLoopGroup serverGroup = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory(
                new GetBufIoHandlerConfig().setBufferRing(new GetBufBufferRingConfig(entries, bufferSize)
                        .setIncremental(incremental).setMultishot(multishot))));
        EchoHandler echo = new EchoHandler();
        EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        List<Channel> clients = new ArrayList<>();
        try {
            Channel server = new ServerBootstrap().group(serverGroup).channel(GetBufServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(echo).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            BufferRing ring = ((BufferRingTest.GetBufIoHandlerAccess) () -> server).bufferRing();

            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int c = 0; c < CONNECTIONS; c++) {
                byte[] message = new byte[messageSize];
                for (int i = 0; i < messageSize; i++) {
                    message[i] = (byte) (i * 31 + c);
                }
                CompletableFuture<Void> finished = new CompletableFuture<>();
                done.add(finished);
                clients.add(new Bootstrap().group(clientGroup).channel(NioSocketChannel.class)
                        .option(ChannelOption.TCP_NODELAY, true)
                        .handler(new PingPongClient(message, finished))
                        .connect(server.localAddress()).sync().channel());
            }
            for (CompletableFuture<Void> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertEquals(0, echo.copied, "ring buffers are written back by address, not copied");
            for (Channel ch : clients) {
                ch.close().sync();
            }
            server.close().sync();
            // the server's children close asynchronously once they read the clients' FIN
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ring.lentCount() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, ring.lentCount(), "every ring buffer returned");
            serverGroup.submit(() -> assertEquals(entries, ring.available(), "the kernel has them all again"))
                    .sync();
            serverGroup.submit(() -> assertEquals(0, ring.lentCount(), "every ring buffer returned")).sync();
        } finally {
            for (Channel ch : clients) {
                ch.close();
            }
            clientGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
            serverGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    /**
     * The client writes as fast as the server lets it; the server echoes and stops reading while
     * its channel is not writable (the usual back-pressure). With a buffer ring (single recvs, the
     * default) reading stops as promptly as without: what the server holds per connection stays
     * near the write-buffer high water mark.
     */
    @ParameterizedTest(name = "stream, ring {0} x {1} B (0 = no ring)")
    @CsvSource({
            "256, 65536",
            "1024, 4096",
            "8, 65536",   // far fewer buffers than connections: reads race for them, ENOBUFS is common
            "0, 0",
    })
    void streamingWithBackPressureStaysBounded(int entries, int bufferSize) throws Exception {
        GetBufIoHandlerConfig config = new GetBufIoHandlerConfig();
        if (entries > 0) {
            config.setBufferRing(new GetBufBufferRingConfig(entries, bufferSize));
        }
        EventLoopGroup serverGroup = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory(config));
        EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        int connections = 64;
        long perConnection = 8L << 20;
        BackPressureEcho echo = new BackPressureEcho();
        List<Channel> clients = new ArrayList<>();
        try {
            Channel server = new ServerBootstrap().group(serverGroup).channel(GetBufServerSocketChannel.class)
                    .childHandler(echo).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                CompletableFuture<Void> finished = new CompletableFuture<>();
                done.add(finished);
                clients.add(new Bootstrap().group(clientGroup).channel(NioSocketChannel.class)
                        .handler(new StreamClient(perConnection, finished))
                        .connect(server.localAddress()).sync().channel());
            }
            for (CompletableFuture<Void> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            // one read loop: at most maxMessagesPerRead (16) reads of at most 64 KiB, then
            // channelReadComplete turns AUTO_READ off; plain recv stays at ~1 MiB
            long bound = 2L << 20;
            assertTrue(echo.maxPending <= bound, "a connection queued " + echo.maxPending
                    + " bytes for writing: reading went on past channelReadComplete (bound " + bound + ")");
        } finally {
            for (Channel ch : clients) {
                ch.close();
            }
            clientGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
            serverGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    /** Echoes; reads only while writable; records the most bytes any channel had queued. */
    @ChannelHandler.Sharable
    private static final class BackPressureEcho extends ChannelInboundHandlerAdapter {
        volatile long maxPending;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
            long pending = ctx.channel().unsafe().outboundBuffer().totalPendingWriteBytes();
            if (pending > maxPending) {
                maxPending = pending;
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
            if (!ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(true);
            }
            ctx.fireChannelWritabilityChanged();
        }
    }

    /** Writes {@code total} bytes of a counting pattern while writable; checks the echo. */
    private static final class StreamClient extends ChannelInboundHandlerAdapter {
        private final long total;
        private final CompletableFuture<Void> finished;
        private long written;
        private long received;

        StreamClient(long total, CompletableFuture<Void> finished) {
            this.total = total;
            this.finished = finished;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            writeMore(ctx);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            writeMore(ctx);
        }

        private void writeMore(ChannelHandlerContext ctx) {
            while (written < total && ctx.channel().isWritable()) {
                int n = (int) Math.min(16384, total - written);
                byte[] chunk = new byte[n];
                for (int i = 0; i < n; i++) {
                    chunk[i] = (byte) (written + i);
                }
                written += n;
                ctx.write(Unpooled.wrappedBuffer(chunk));
            }
            ctx.flush();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            for (byte b : drain((ByteBuf) msg)) {
                if (b != (byte) received) {
                    finished.completeExceptionally(new AssertionError("byte " + received + ": got " + b));
                    ctx.close();
                    return;
                }
                received++;
            }
            if (received == total) {
                finished.complete(null);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            finished.completeExceptionally(cause);
            ctx.close();
        }
    }

    /** The readable bytes, copied out in one go (byte-wise reads are slow under PARANOID); releases. */
    private static byte[] drain(ByteBuf buf) {
        try {
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            return bytes;
        } finally {
            buf.release();
        }
    }

    @ChannelHandler.Sharable
    private static final class EchoHandler extends ChannelInboundHandlerAdapter {
        volatile int copied; // received buffers without a memory address: the write path copies them

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!((ByteBuf) msg).hasMemoryAddress()) {
                copied++;
            }
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }

    /** Sends the message, checks the echo byte for byte, ROUNDS times. */
    private static final class PingPongClient extends ChannelInboundHandlerAdapter {
        private final byte[] message;
        private final CompletableFuture<Void> finished;
        private int round;
        private int received;

        PingPongClient(byte[] message, CompletableFuture<Void> finished) {
            this.message = message;
            this.finished = finished;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(message));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            for (byte b : drain((ByteBuf) msg)) {
                if (b != message[received]) {
                    finished.completeExceptionally(new AssertionError("round " + round + " byte " + received
                            + ": expected " + message[received] + ", got " + b));
                    ctx.close();
                    return;
                }
                if (++received == message.length) {
                    received = 0;
                    if (++round == ROUNDS) {
                        finished.complete(null);
                    } else {
                        ctx.writeAndFlush(Unpooled.wrappedBuffer(message));
                    }
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            finished.completeExceptionally(cause);
            ctx.close();
        }
    }
}
