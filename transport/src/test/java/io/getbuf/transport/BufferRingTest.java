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
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.getbuf.transport.testsuite.GetBufTest;
import io.getbuf.transport.testsuite.RecordingLeakDetector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The provided-buffer ring: exhaustion is reported and survived, and every buffer comes back. */
@GetBufTest(warmUp = false)
@Timeout(60)
class BufferRingTest {
    private static final int ENTRIES = 4;
    private static final int SIZE = 1024;

    @BeforeAll
    static void requireBufferRing() {
        GetBufAssumptions.assumeBufferRing();
    }

    @Test
    void exhaustedRingIsReportedAndReadingGoesOn() throws Exception {
        EventLoopGroup group = TestSupport.ringGroup(1, ENTRIES, SIZE);
        List<ByteBuf> held = new CopyOnWriteArrayList<>();
        AtomicInteger exhausted = new AtomicInteger();
        AtomicInteger received = new AtomicInteger();
        int total = ENTRIES * SIZE * 8;
        CompletableFuture<Void> all = new CompletableFuture<>();
        try {
            Channel server = new ServerBootstrap().group(group).channel(GetBufServerSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ByteBuf buf = (ByteBuf) msg;
                            received.addAndGet(buf.readableBytes());
                            held.add(buf); // the application holds on to every buffer
                            if (received.get() == total) {
                                all.complete(null);
                            }
                        }

                        @Override
                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                            if (evt == GetBufBufferRingExhaustedEvent.INSTANCE) {
                                exhausted.incrementAndGet();
                            }
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            BufferRing ring = ((GetBufIoHandlerAccess) () -> server).bufferRing();
            Channel client = new Bootstrap().group(group).channel(GetBufSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(server.localAddress()).sync().channel();
            byte[] data = new byte[total];
            for (int i = 0; i < total; i++) {
                data[i] = (byte) i;
            }
            client.writeAndFlush(Unpooled.wrappedBuffer(data)).sync();
            all.get(20, TimeUnit.SECONDS);
            assertTrue(exhausted.get() > 0, "holding every ring buffer must exhaust the ring");
            int offset = 0;
            for (ByteBuf b : held) {
                for (int i = b.readerIndex(); i < b.writerIndex(); i++) {
                    assertEquals((byte) offset++, b.getByte(i), "byte " + (offset - 1));
                }
            }
            assertEquals(total, offset);
            assertTrue(ring.lentCount() > 0);
            held.forEach(ByteBuf::release);
            held.clear();
            client.close().sync();
            server.close().sync();
            assertEquals(0, ring.lentCount(), "every ring buffer returned");
            group.submit(() -> assertEquals(ENTRIES, ring.available(), "the kernel has them all again")).sync();
        } finally {
            held.forEach(ByteBuf::release);
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void autoReadTurnedOffInTheExhaustedEventStopsReading() throws Exception {
        EventLoopGroup group = TestSupport.ringGroup(1, ENTRIES, SIZE);
        List<ByteBuf> held = new CopyOnWriteArrayList<>();
        AtomicInteger received = new AtomicInteger();
        AtomicInteger readCompletes = new AtomicInteger();
        CompletableFuture<Integer> exhausted = new CompletableFuture<>(); // bytes received by then
        int total = ENTRIES * SIZE * 8;
        CompletableFuture<Void> all = new CompletableFuture<>();
        AtomicReference<Channel> childRef = new AtomicReference<>();
        try {
            Channel server = new ServerBootstrap().group(group).channel(GetBufServerSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            childRef.set(ctx.channel());
                            ctx.fireChannelActive();
                        }

                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            held.add((ByteBuf) msg);
                            if (received.addAndGet(((ByteBuf) msg).readableBytes()) == total) {
                                all.complete(null);
                            }
                        }

                        @Override
                        public void channelReadComplete(ChannelHandlerContext ctx) {
                            readCompletes.incrementAndGet();
                        }

                        @Override
                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                            if (evt == GetBufBufferRingExhaustedEvent.INSTANCE && !exhausted.isDone()) {
                                ctx.channel().config().setAutoRead(false);
                                exhausted.complete(received.get());
                            }
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            Channel client = new Bootstrap().group(group).channel(GetBufSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(server.localAddress()).sync().channel();
            byte[] data = new byte[total];
            for (int i = 0; i < total; i++) {
                data[i] = (byte) (i * 7);
            }
            client.writeAndFlush(Unpooled.wrappedBuffer(data)).sync();
            int atEvent = exhausted.get(10, TimeUnit.SECONDS);
            assertTrue(atEvent < total, "the ring ran dry before everything was read");
            Thread.sleep(300); // data is waiting: a read would have delivered it by now
            Channel child = childRef.get();
            child.eventLoop().submit(() -> {
                assertEquals(atEvent, received.get(), "nothing read after AUTO_READ went off in the event");
                assertTrue(readCompletes.get() > 0, "the read loop that ran dry was completed");
            }).sync();
            // read on (into the allocator's buffers while the application holds the ring's):
            // everything arrives, in order
            child.config().setAutoRead(true);
            all.get(20, TimeUnit.SECONDS);
            int offset = 0;
            for (ByteBuf b : held) {
                for (int i = b.readerIndex(); i < b.writerIndex(); i++) {
                    assertEquals((byte) (offset++ * 7), b.getByte(i), "byte " + (offset - 1));
                }
            }
            assertEquals(total, offset);
            client.close().sync();
            server.close().sync();
        } finally {
            held.forEach(ByteBuf::release);
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    /**
     * A ring buffer the application drops without releasing it is reported by Netty's leak detector like any leaked
     * buffer, and the ring takes it back once the garbage collector has it (before, it silently shrank the ring).
     */
    @Test
    void aDroppedRingBufferIsReportedAndTakenBack() throws Exception {
        EventLoopGroup group = TestSupport.ringGroup(1, ENTRIES, SIZE);
        AtomicInteger reads = new AtomicInteger();
        AtomicInteger received = new AtomicInteger();
        try {
            Channel server = new ServerBootstrap().group(group).channel(GetBufServerSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ByteBuf buf = (ByteBuf) msg;
                            received.addAndGet(buf.readableBytes());
                            if (reads.getAndIncrement() == 0) {
                                buf.touch("dropped by the test");
                                return; // dropped: never released
                            }
                            buf.release();
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            BufferRing ring = ((GetBufIoHandlerAccess) () -> server).bufferRing();
            Channel client = new Bootstrap().group(group).channel(GetBufSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(server.localAddress()).sync().channel();
            client.writeAndFlush(Unpooled.wrappedBuffer(new byte[100])).sync();
            assertTrue(TestSupport.await(() -> received.get() == 100, 10), "received");
            assertEquals(1, ring.lentCount(), "the dropped buffer is still lent");

            List<String> leaks = RecordingLeakDetector.collectLeaks();
            assertEquals(1, leaks.size(), "one leak reported: " + leaks);
            assertTrue(leaks.get(0).contains("dropped by the test"), leaks.get(0));
            group.submit(ring::reclaimReturned).sync();
            assertEquals(1, ring.leakedAndReclaimed(), "the ring took the dropped buffer back");
            assertEquals(0, ring.lentCount());
            group.submit(() -> assertEquals(ENTRIES, ring.available(), "the kernel has them all again")).sync();

            // and the ring goes on working with all its buffers
            int more = ENTRIES * SIZE * 4;
            client.writeAndFlush(Unpooled.wrappedBuffer(new byte[more])).sync();
            TestSupport.await(() -> received.get() >= 100 + more, 10);
            assertEquals(100 + more, received.get());
            client.close().sync();
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    /**
     * The slab is freed exactly once: when the loop shuts down if the application holds no ring buffer, else when
     * the last one comes back, from whichever thread releases it, even while the loop is shutting down.
     */
    @Test
    void theSlabIsFreedOnceWhenTheLastBufferComesBack() throws Exception {
        for (int round = 0; round < 20; round++) {
            int hold = round == 0 ? 0 : ENTRIES;
            EventLoopGroup group = TestSupport.ringGroup(1, ENTRIES, SIZE);
            List<ByteBuf> held = new CopyOnWriteArrayList<>();
            AtomicInteger received = new AtomicInteger();
            io.netty.util.concurrent.Future<?> shutdown = null;
            try {
                Channel server = new ServerBootstrap().group(group).channel(GetBufServerSocketChannel.class)
                        .childHandler(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ByteBuf buf = (ByteBuf) msg;
                                received.addAndGet(buf.readableBytes());
                                if (held.size() < hold) {
                                    held.add(buf);
                                } else {
                                    buf.release();
                                }
                            }
                        }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
                BufferRing ring = ((GetBufIoHandlerAccess) () -> server).bufferRing();
                Channel client = new Bootstrap().group(group).channel(GetBufSocketChannel.class)
                        .handler(new ChannelInboundHandlerAdapter())
                        .connect(server.localAddress()).sync().channel();
                for (int sent = 1; held.size() < hold && sent <= 4 * ENTRIES; sent++) {
                    client.writeAndFlush(Unpooled.wrappedBuffer(new byte[SIZE])).sync();
                    int expected = sent * SIZE;
                    assertTrue(TestSupport.await(() -> received.get() >= expected, 10), "received");
                }
                assertEquals(hold, held.size());
                client.close().sync();
                server.close().sync();
                // release the held buffers from other threads while the loop shuts down
                List<Thread> releasers = new ArrayList<>();
                for (ByteBuf b : held) {
                    releasers.add(new Thread(b::release));
                }
                shutdown = group.shutdownGracefully(0, 5, TimeUnit.SECONDS);
                releasers.forEach(Thread::start);
                for (Thread t : releasers) {
                    t.join();
                }
                shutdown.sync();
                assertEquals(0, ring.lentCount(), "round " + round);
                assertEquals(1, ring.slabFrees(), "round " + round + ": the slab is freed once");
            } finally {
                if (shutdown == null) {
                    held.forEach(b -> {
                        if (b.refCnt() > 0) {
                            b.release();
                        }
                    });
                    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
                }
            }
        }
    }

    /** Reaches the ring of the loop a channel is registered on. */
    @FunctionalInterface
    interface GetBufIoHandlerAccess {
        Channel channel();

        default BufferRing bufferRing() throws Exception {
            Channel ch = channel();
            return ch.eventLoop().submit(() -> ((AbstractGetBufChannel) ch).handler().bufferRing()).get();
        }
    }
}
