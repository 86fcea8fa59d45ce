/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.benchmarks.jmh;

import io.getbuf.transport.GetBufChannelOption;
import io.getbuf.transport.GetBufFileStrategy;
import io.getbuf.transport.GetBufIoHandler;
import io.getbuf.transport.GetBufIoHandlerConfig;
import io.getbuf.transport.GetBufServerSocketChannel;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * What the transport allocates per file response: a getbuf server on one event loop answers each one-byte request
 * with a pooled head and a {@link DefaultFileRegion} (a response as a static file server writes it), sent by the
 * strategy under test; {@code connections} blocking JDK sockets of the benchmark thread send a request each and read
 * the whole response. The server loop thread's own bytes per response ({@code ThreadMXBean.getThreadAllocatedBytes})
 * are printed at the end of each iteration: the transport's, since the handler allocates nothing (its regions come
 * from a pool of regions it keeps retained, reset between uses: an application's regions are its own allocation, not
 * the transport's).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-Dio.netty.leakDetection.level=disabled"})
public class FileResponseAllocationBenchmark {
    private static final int HEAD = 200;

    @Param({"SENDFILE", "READ_FIXED", "SPLICE", "COPY"})
    public GetBufFileStrategy strategy;

    /** {@code epoll}: Netty's epoll transport (sendfile; strategy is ignored), for the same figure side by side. */
    @Param({"getbuf"})
    public String transport;

    @Param({"4096", "65536"})
    public int size;

    @Param({"1", "64"})
    public int connections;

    private Path file;
    private EventLoopGroup group;
    private Channel server;
    private LoopClients clients;
    private ByteBuffer request;
    private ByteBuffer in;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        file = Files.createTempFile("getbuf-jmh", ".bin");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            byte[] data = new byte[size];
            for (int i = 0; i < size; i++) {
                data[i] = (byte) (i * 31 + 7);
            }
            raf.write(data);
        }
        ServerBootstrap b = new ServerBootstrap();
        if (transport.equals("epoll")) {
            group = new MultiThreadIoEventLoopGroup(1, io.netty.channel.epoll.EpollIoHandler.newFactory());
            b.group(group).channel(io.netty.channel.epoll.EpollServerSocketChannel.class);
        } else {
            group = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory(new GetBufIoHandlerConfig()));
            b.group(group).channel(GetBufServerSocketChannel.class)
                    .childOption(GetBufChannelOption.FILE_STRATEGY, strategy);
        }
        server = b.childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childHandler(new Responder(file, size))
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        clients = new LoopClients(group, server, connections);
        request = ByteBuffer.allocateDirect(1);
        in = ByteBuffer.allocateDirect(HEAD + size);
    }

    @Setup(Level.Iteration)
    public void startCounting() {
        clients.startCounting();
    }

    @TearDown(Level.Iteration)
    public void report() {
        clients.report("file responses");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        clients.close();
        server.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        Files.deleteIfExists(file);
    }

    @Benchmark
    public int respond() throws IOException {
        return clients.roundTrip(request, in);
    }

    /** Answers each byte it reads with a head and the file, allocating nothing of its own per response. */
    @ChannelHandler.Sharable
    static final class Responder extends ChannelInboundHandlerAdapter {
        private static final Field TRANSFERRED;

        static {
            try {
                TRANSFERRED = DefaultFileRegion.class.getDeclaredField("transferred");
                TRANSFERRED.setAccessible(true);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final DefaultFileRegion[] regions = new DefaultFileRegion[256];
        private int next;

        Responder(Path file, int size) throws IOException {
            for (int i = 0; i < regions.length; i++) {
                regions[i] = new DefaultFileRegion(FileChannel.open(file, StandardOpenOption.READ), 0, size);
                regions[i].retain(); // the pool's own reference: a response's release never deallocates it
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf req = (ByteBuf) msg;
            int n = req.readableBytes();
            req.release();
            for (int i = 0; i < n; i++) {
                ByteBuf head = ctx.alloc().directBuffer(HEAD).writeZero(HEAD);
                DefaultFileRegion region = regions[next++ & (regions.length - 1)];
                try {
                    TRANSFERRED.setLong(region, 0); // used again: nothing of it is sent yet
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
                ctx.write(head, ctx.voidPromise());
                ctx.write(region.retain(), ctx.voidPromise());
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }
}
