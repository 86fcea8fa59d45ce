/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Registered buffers ({@link GetBufIoHandler#allocateRegistered}): sent zero-copy from their slot by a channel of their
 * loop (whole, sliced, after other bytes), copied by any other channel, held by the channel until the kernel's
 * notification, given back to their slot at refcount 0 from any thread; a full slot table makes allocations wait;
 * slots emptied by releases go in one table update per loop iteration.
 */
@GetBufTest(warmUp = false)
class RegisteredByteBufTest {
    private static final int FILE_CHUNKS = 2;
    private static final int USER_SLOTS = 4;
    private static EventLoopGroup group;
    private static EventLoopGroup clients;

    @BeforeAll
    static void setUp() {
        GetBufAssumptions.assumeRegisteredBuffers();
        group = new MultiThreadIoEventLoopGroup(2, GetBufIoHandler.newFactory(new GetBufIoHandlerConfig()
                .setRegisteredBuffers(FILE_CHUNKS + USER_SLOTS).setFileChunks(FILE_CHUNKS, 64 * 1024)));
        clients = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (group != null) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
            clients.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    private static RegisteredByteBufAllocator allocatorOf(EventLoop loop) throws Exception {
        return loop.submit(() -> GetBufIoHandler.handlerOf(loop).fileStrategies().registeredBuffers()).get();
    }

    private static ByteBuf pattern(ByteBuf buf, int seed) {
        while (buf.isWritable()) {
            buf.writeByte((buf.writerIndex() * 13 + seed) & 0xff);
        }
        return buf;
    }

    /** Collects what a client receives until {@code expected} bytes came. */
    static final class Collector extends ChannelInboundHandlerAdapter {
        final ByteBuf received = ByteBufAllocator.DEFAULT.heapBuffer();
        final CompletableFuture<ByteBuf> done = new CompletableFuture<>();
        private final int expected;

        Collector(int expected) {
            this.expected = expected;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            received.writeBytes(b);
            b.release();
            if (received.readableBytes() >= expected) {
                done.complete(received);
            }
        }
    }

    /**
     * A server on {@code loop} whose child writes what {@code writer} gives it; returns what a client (on
     * {@code clients}) received once {@code expected} bytes came, and the accepted child in {@code child}.
     */
    static ByteBuf serve(EventLoopGroup clients, EventLoop loop, int expected, java.util.function.Consumer<Channel> writer,
                         AtomicReference<GetBufSocketChannel> child) throws Exception {
        Channel server = new ServerBootstrap().group(loop).channel(GetBufServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        child.set((GetBufSocketChannel) ctx.channel());
                        writer.accept(ctx.channel());
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try {
            return collect(clients, server, expected);
        } finally {
            server.close().sync();
        }
    }

    /** What a client on {@code clients} connected to {@code server} received once {@code expected} bytes came. */
    static ByteBuf collect(EventLoopGroup clients, Channel server, int expected) throws Exception {
        Collector collector = new Collector(expected);
        Channel c = new Bootstrap().group(clients).channel(NioSocketChannel.class).handler(collector)
                .connect(server.localAddress()).sync().channel();
        try {
            // the VM's debug kernel (KASAN, lockdep under TCG) runs several times slower:
            // kernel/vm/java-tests passes -Dgetbuf.test.timeoutScale
            return collector.done.get(60L * Integer.getInteger("getbuf.test.timeoutScale", 1), TimeUnit.SECONDS);
        } finally {
            c.close().sync();
        }
    }

    private static ByteBuf serve(EventLoop loop, int expected, java.util.function.Consumer<Channel> writer,
                                 AtomicReference<GetBufSocketChannel> child) throws Exception {
        return serve(clients, loop, expected, writer, child);
    }

    @Test
    void aRegisteredBufferIsSentZeroCopyAndComesBackToItsSlot() throws Exception {
        EventLoop loop = group.next();
        RegisteredByteBufAllocator allocator = allocatorOf(loop);
        int size = 300_000;
        ByteBuf buf = pattern(GetBufIoHandler.allocateRegistered(loop, size).get(5, TimeUnit.SECONDS), 7);
        ByteBuf expected = buf.copy();
        AtomicReference<GetBufSocketChannel> child = new AtomicReference<>();
        List<ChannelFuture> writes = new ArrayList<>();
        ByteBuf received = serve(loop, size, ch -> writes.add(ch.writeAndFlush(buf)), child);
        try {
            assertEquals(expected, received);
            assertTrue(writes.get(0).await(5, TimeUnit.SECONDS) && writes.get(0).isSuccess(), "write");
            assertTrue(loop.submit(() -> child.get().zeroCopySends()).get() >= 1, "sent zero-copy");
            assertTrue(TestSupport.await(() -> call(loop, () -> child.get().zeroCopyReferences() == 0
                    && allocator.lent() == 0), 10), "notification released the buffer");
            assertEquals(0, buf.refCnt());
        } finally {
            received.release();
            expected.release();
        }
    }

    @Test
    void slicesAndBuffersAfterOtherBytesGoZeroCopyToo() throws Exception {
        EventLoop loop = group.next();
        ByteBuf buf = pattern(GetBufIoHandler.allocateRegistered(loop, 64 * 1024).get(5, TimeUnit.SECONDS), 3);
        ByteBuf expected = ByteBufAllocator.DEFAULT.heapBuffer();
        expected.writeBytes(new byte[] {1, 2, 3});
        expected.writeBytes(buf, 100, 50_000);
        AtomicReference<GetBufSocketChannel> child = new AtomicReference<>();
        ByteBuf received = serve(loop, expected.readableBytes(), ch -> {
            ch.write(ch.alloc().directBuffer().writeBytes(new byte[] {1, 2, 3}));
            ch.writeAndFlush(buf.retainedSlice(100, 50_000));
            buf.release();
        }, child);
        try {
            assertEquals(expected, received);
            assertEquals(1L, loop.submit(() -> child.get().zeroCopySends()).get());
            assertTrue(TestSupport.await(() -> call(loop, () -> allocatorOf0(loop).lent() == 0), 10));
        } finally {
            received.release();
            expected.release();
        }
    }

    @Test
    void onAnotherLoopsChannelItIsAnOrdinaryBuffer() throws Exception {
        EventLoop owner = group.next();
        EventLoop other = group.next();
        assertFalse(owner == other, "two loops");
        ByteBuf buf = pattern(GetBufIoHandler.allocateRegistered(owner, 10_000).get(5, TimeUnit.SECONDS), 5);
        ByteBuf expected = buf.copy();
        AtomicReference<GetBufSocketChannel> child = new AtomicReference<>();
        ByteBuf received = serve(other, 10_000, ch -> ch.writeAndFlush(buf), child);
        try {
            assertEquals(expected, received);
            assertEquals(0L, other.submit(() -> child.get().zeroCopySends()).get());
            assertTrue(TestSupport.await(() -> call(owner, () -> allocatorOf0(owner).lent() == 0), 10));
        } finally {
            received.release();
            expected.release();
        }
    }

    @Test
    void aFullTableMakesAllocationsWaitAndReleasesFromAnyThreadServeThem() throws Exception {
        EventLoop loop = group.next();
        RegisteredByteBufAllocator allocator = allocatorOf(loop);
        List<ByteBuf> held = new ArrayList<>();
        for (int i = 0; i < USER_SLOTS; i++) {
            held.add(GetBufIoHandler.allocateRegistered(loop, 4096).get(5, TimeUnit.SECONDS));
        }
        long waitsBefore = loop.submit(allocator::waits).get();
        Future<ByteBuf> waiting = GetBufIoHandler.allocateRegistered(loop, 4096);
        assertFalse(waiting.await(300, TimeUnit.MILLISECONDS), "no slot is free: the allocation waits");
        assertEquals(waitsBefore + 1, loop.submit(allocator::waits).get());
        held.remove(0).release(); // from the test thread: handed to the loop
        ByteBuf late = waiting.get(5, TimeUnit.SECONDS);
        assertEquals(4096, late.capacity());
        late.release();
        held.forEach(ByteBuf::release);
        assertTrue(TestSupport.await(() -> call(loop, () -> allocator.lent() == 0), 10));
    }

    @Test
    void itsCapacityIsFixed() throws Exception {
        ByteBuf buf = GetBufIoHandler.allocateRegistered(group.next(), 16).get(5, TimeUnit.SECONDS);
        try {
            buf.writeBytes(new byte[16]);
            assertThrows(IndexOutOfBoundsException.class, () -> buf.writeByte(1));
            assertThrows(UnsupportedOperationException.class, () -> buf.capacity(8));
            assertThrows(IllegalArgumentException.class, () -> GetBufIoHandler.allocateRegistered(group.next(), 0));
            assertThrows(IllegalArgumentException.class, () -> GetBufIoHandler.allocateRegistered(clients.next(), 16));
        } finally {
            buf.release();
        }
    }

    /** Beyond the idle cache, released buffers' slots are emptied at the next iteration in one update call. */
    @Test
    void slotsEmptiedByReleasesGoInOneUpdate() throws Exception {
        EventLoop loop = group.next();
        RegisteredBufferTable table = loop.submit(() -> GetBufIoHandler.handlerOf(loop).fileStrategies().table()).get();
        int big = 4 << 20; // four of them exceed the 8 MiB kept idle: two slots are emptied
        List<ByteBuf> bufs = new ArrayList<>();
        for (int i = 0; i < USER_SLOTS; i++) {
            bufs.add(GetBufIoHandler.allocateRegistered(loop, big + i).get(5, TimeUnit.SECONDS));
        }
        long before = loop.submit(table::updateCalls).get();
        loop.submit(() -> bufs.forEach(ByteBuf::release)).get(); // one task: one iteration
        loop.submit(() -> { }).get(); // the next iteration flushed the queued updates
        assertTrue(TestSupport.await(() -> call(loop, () -> table.updateCalls() > before), 5));
        assertEquals(before + 1, loop.submit(table::updateCalls).get(), "one call for the consecutive slots");
        assertEquals(0, loop.submit(() -> allocatorOf0(loop).lent()).get());
    }

    private static RegisteredByteBufAllocator allocatorOf0(EventLoop loop) {
        return GetBufIoHandler.handlerOf(loop).fileStrategies().registeredBuffers();
    }

    private static boolean call(EventLoop loop, java.util.concurrent.Callable<Boolean> c) {
        try {
            return loop.submit(c).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
