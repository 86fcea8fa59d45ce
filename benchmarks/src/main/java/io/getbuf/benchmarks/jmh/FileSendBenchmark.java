/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.benchmarks.jmh;

import io.getbuf.transport.GetBufChannelOption;
import io.getbuf.transport.GetBufFileStrategy;
import io.getbuf.transport.GetBufIoHandler;
import io.getbuf.transport.GetBufServerSocketChannel;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
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
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Which {@link GetBufFileStrategy} sends a file fastest, per size: a getbuf server on one event loop answers each
 * one-byte request with a {@link DefaultFileRegion} of the whole file (opened once, kept in the page cache); the
 * benchmark thread sends the request and reads the file's bytes back through a blocking JDK socket into a direct
 * buffer it discards. Scores are requests per second; bytes per second is the score times {@code size}. The run
 * pins nothing: start it with {@code taskset} to keep server and client on their own cores, as
 * {@code benchmarks/run-jmh.sh} does not.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-Dio.netty.leakDetection.level=disabled"})
public class FileSendBenchmark {
    @Param({"SENDFILE", "SPLICE", "READ_FIXED", "READ_FIXED_ZC", "COPY"})
    public GetBufFileStrategy strategy;

    @Param({"4096", "65536", "1048576", "16777216"})
    public int size;

    private Path file;
    private FileChannel fileChannel;
    private EventLoopGroup group;
    private Channel server;
    private SocketChannel client;
    private final ByteBuffer request = ByteBuffer.allocateDirect(1);
    private final ByteBuffer sink = ByteBuffer.allocateDirect(1 << 20);

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        file = Files.createTempFile("getbuf-filesend-", ".bin");
        byte[] chunk = new byte[1 << 16];
        ThreadLocalRandom.current().nextBytes(chunk);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            for (int off = 0; off < size; off += chunk.length) {
                raf.write(chunk, 0, Math.min(chunk.length, size - off));
            }
        }
        fileChannel = FileChannel.open(file, StandardOpenOption.READ);
        group = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory());
        server = new ServerBootstrap().group(group).channel(GetBufServerSocketChannel.class)
                .childOption(GetBufChannelOption.FILE_STRATEGY, strategy)
                .childHandler(new Responder(fileChannel, size))
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        client = SocketChannel.open((InetSocketAddress) server.localAddress());
        client.setOption(StandardSocketOptions.TCP_NODELAY, true);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        client.close();
        server.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        fileChannel.close();
        Files.deleteIfExists(file);
    }

    @Benchmark
    public long request() throws IOException {
        request.clear();
        client.write(request);
        long left = size;
        while (left > 0) {
            sink.clear();
            if (left < sink.capacity()) {
                sink.limit((int) left);
            }
            int n = client.read(sink);
            if (n < 0) {
                throw new IOException("server closed the connection");
            }
            left -= n;
        }
        return left;
    }

    /** Answers every byte it reads with the whole file. */
    @ChannelHandler.Sharable
    static final class Responder extends ChannelInboundHandlerAdapter {
        private final FileChannel file;
        private final long size;

        Responder(FileChannel file, long size) {
            this.file = file;
            this.size = size;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            int requests = ((ByteBuf) msg).readableBytes();
            ((ByteBuf) msg).release();
            for (int i = 0; i < requests; i++) {
                // the region does not own the channel: closing it would close the shared file
                ctx.write(new DefaultFileRegion(file, 0, size) {
                    @Override
                    protected void deallocate() {
                    }
                }, ctx.voidPromise());
            }
            ctx.flush();
        }
    }
}
