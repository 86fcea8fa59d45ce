/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.benchmarks.jmh;

import io.getbuf.transport.GetBufBufferRingConfig;
import io.getbuf.transport.GetBufIoHandler;
import io.getbuf.transport.GetBufIoHandlerConfig;
import io.getbuf.transport.GetBufServerSocketChannel;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
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
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * What the transport allocates per echoed message: a getbuf echo server on one event loop, pinged by a blocking JDK
 * socket from the benchmark thread (which allocates nothing itself: direct buffers, blocking calls). Run it with
 * {@code -prof gc}: {@code gc.alloc.rate.norm} counts every thread of the JVM, server loop included, per echoed
 * message. The teardown also prints the server loop thread's own bytes per message, measured with
 * {@code ThreadMXBean.getThreadAllocatedBytes}.
 *
 * <p>{@code connections=64}: the benchmark thread writes a message to each of 64 connections, then reads each echo:
 * the server loop serves 64 connections per iteration, busy enough for its readiness reads (a multishot POLLIN poll
 * per connection, recvs that do not wait) rather than the parked recvs of an idle loop. JMH's own figures are per
 * invocation (64 messages then); the server loop's bytes printed at each iteration's end are per echoed message.
 *
 * <p>The server handler is what a zero-allocation application looks like: it writes each buffer back with the void
 * promise (a new promise per write is the application's allocation, not the transport's) and flushes once per read
 * loop. Buffers come from the pooled allocator (its thread caches recycle buffer objects) or from the event loop's
 * provided-buffer ring ({@code reads=ring}, incremental consumption off; {@code ring-incremental}, on).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-Dio.netty.leakDetection.level=disabled"})
public class EchoAllocationBenchmark {
    @Param({"plain", "ring", "ring-incremental"})
    public String reads;

    @Param({"64", "4096"})
    public int size;

    @Param({"1", "64"})
    public int connections;

    private EventLoopGroup group;
    private Channel server;
    private LoopClients clients;
    private ByteBuffer out;
    private ByteBuffer in;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        GetBufIoHandlerConfig config = new GetBufIoHandlerConfig();
        if (reads.startsWith("ring")) {
            config.setBufferRing(new GetBufBufferRingConfig(256, 16 * 1024)
                    .setIncremental(reads.equals("ring-incremental")));
        }
        group = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory(config));
        server = new ServerBootstrap().group(group).channel(GetBufServerSocketChannel.class)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childHandler(new Echo())
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        clients = new LoopClients(group, server, connections);
        out = ByteBuffer.allocateDirect(size);
        in = ByteBuffer.allocateDirect(size);
        for (int i = 0; i < size; i++) {
            out.put(i, (byte) i);
        }
    }

    @Setup(Level.Iteration)
    public void startCounting() {
        clients.startCounting();
    }

    @TearDown(Level.Iteration)
    public void report() {
        clients.report("echoes");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        clients.close();
        server.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Benchmark
    public int echo() throws IOException {
        return clients.roundTrip(out, in);
    }

    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }
}
