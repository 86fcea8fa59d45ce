/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import io.getbuf.transport.testsuite.GetBufTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * A failure in the transport's own work after a completion (here: the allocator refuses the
 * buffer for the next read) reaches the pipeline and closes the channel instead of leaving it
 * silently neither reading nor writing.
 */
@GetBufTest(warmUp = false)
@Timeout(30)
class CompletionFailureTest {
    @BeforeAll
    static void requireIoUring() {
        GetBufAssumptions.assumeAvailable();
    }

    @Test
    void allocatorFailureWhileRearmingReadIsReportedAndClosesTheChannel() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory());
        OutOfMemoryError refusal = new OutOfMemoryError("test: no buffer for the next read");
        CompletableFuture<Throwable> caught = new CompletableFuture<>();
        CompletableFuture<Void> inactive = new CompletableFuture<>();
        AtomicInteger reads = new AtomicInteger();
        try {
            Channel server = new ServerBootstrap().group(group).channel(GetBufServerSocketChannel.class)
                    .childOption(ChannelOption.ALLOCATOR, new RefusingAllocator(1, refusal))
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            reads.incrementAndGet();
                            ReferenceCountUtil.release(msg);
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            caught.complete(cause);
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext ctx) {
                            inactive.complete(null);
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            Channel client = new Bootstrap().group(group).channel(GetBufSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(server.localAddress()).sync().channel();
            client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})).sync();
            // the next read needs a buffer: at once where recvs are parked in the kernel, when
            // more data comes where reads wait for POLLIN; send more either way
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (reads.get() == 0 && !caught.isDone() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {4, 5, 6}));

            assertSame(refusal, caught.get(10, TimeUnit.SECONDS), "the allocator's error reaches the pipeline");
            inactive.get(10, TimeUnit.SECONDS);
            assertEquals(1, reads.get(), "the bytes read before the failure were delivered");
            client.close().sync();
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    /** Hands out {@code allowed} I/O buffers, then throws {@code error}. */
    private static final class RefusingAllocator extends AbstractByteBufAllocator {
        private final AtomicInteger left;
        private final Error error;

        RefusingAllocator(int allowed, Error error) {
            super(true);
            this.left = new AtomicInteger(allowed);
            this.error = error;
        }

        @Override
        public ByteBuf ioBuffer(int initialCapacity) {
            if (left.getAndDecrement() <= 0) {
                throw error;
            }
            return super.ioBuffer(initialCapacity);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            return UnpooledByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity);
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return UnpooledByteBufAllocator.DEFAULT.directBuffer(initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }
    }
}
