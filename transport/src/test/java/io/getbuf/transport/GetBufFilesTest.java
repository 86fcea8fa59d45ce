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
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * File data as ByteBufs ({@link GetBufFiles#read}). On the patched kernel (kernel/vm/java-tests runs this class with
 * {@code -Dgetbuf.test.requireGetBuf=true}) the buffers are the file's lent pages, and after every test the provider's
 * own counters show every buffer and page given back; on a stock kernel they are read with READ_FIXED into registered
 * buffers, and the same lifecycle is checked: byte-exact ranges, read-only, sent without a copy by a channel of the
 * loop and copied by any other, released before the send completes, released twice, the channel closed mid-send, the
 * loop shut down with buffers held, a full slot table, a file system without a provider, bad arguments, and 10,000
 * read/send/release cycles; every slot empty at the end.
 */
@GetBufTest(warmUp = false)
@Timeout(300)
class GetBufFilesTest {
    private static final int FILE_CHUNKS = 2;
    private static final int USER_SLOTS = 32;
    private static final long SIZE = (1 << 20) + 123;

    @TempDir
    static Path dir;
    private static EventLoopGroup group;
    private static EventLoopGroup clients;
    private static Path file;

    @BeforeAll
    static void setUp() throws IOException {
        GetBufAssumptions.assumeRegisteredBuffers();
        LentPages.requireGetBufWhereAsked();
        group = new MultiThreadIoEventLoopGroup(2, GetBufIoHandler.newFactory(config(USER_SLOTS)));
        clients = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        file = FileTransferTest.patternFile(dir, SIZE);
    }

    private static GetBufIoHandlerConfig config(int userSlots) {
        return new GetBufIoHandlerConfig().setRegisteredBuffers(FILE_CHUNKS + userSlots)
                .setFileChunks(FILE_CHUNKS, 64 * 1024);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (group != null) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
            clients.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    /** How this kernel serves a read of a file system with a provider. */
    private static GetBufFileStrategy expected() {
        return GetBuf.isGetBufSupported() ? GetBufFileStrategy.GET_BUF : GetBufFileStrategy.READ_FIXED;
    }

    private static ByteBuf read(EventLoop loop, Path f, long offset, int length) throws Exception {
        return GetBufFiles.read(loop, f, offset, length).get(10, TimeUnit.SECONDS);
    }

    private static void assertPattern(ByteBuf buf, long offset, int length) {
        assertEquals(length, buf.readableBytes(), "bytes at " + offset);
        for (int i = 0; i < length; i++) {
            if (buf.getByte(buf.readerIndex() + i) != FileTransferTest.patternAt(offset + i)) {
                throw new AssertionError("byte " + (offset + i) + " differs");
            }
        }
    }

    private static long reads(EventLoop loop, GetBufFileStrategy how) {
        return GetBufIoHandler.fileSendStats(loop).reads(how);
    }

    @Test
    void rangesArriveByteExactAndTheCountersSayHow() throws Exception {
        EventLoop loop = group.next();
        LentPages.Counters before = LentPages.counters();
        long readsBefore = reads(loop, expected());
        long bytesBefore = GetBufIoHandler.fileSendStats(loop).readBytes(expected());
        long[][] cases = {
            {0, 1, 1}, {0, 4096, 4096}, {1000, 5000, 5000}, {4095, 2, 2}, {0, (int) SIZE, SIZE},
            {SIZE - 10, 100, 10}, {SIZE, 10, 0}, {SIZE + 5000, 10, 0}, {12_345, 300_000, 300_000},
        };
        long bytes = 0;
        for (long[] c : cases) {
            ByteBuf buf = read(loop, file, c[0], (int) c[1]);
            try {
                assertPattern(buf, c[0], (int) c[2]);
                assertTrue(buf.isReadOnly(), "read-only");
                bytes += c[2];
            } finally {
                buf.release();
            }
        }
        try (FileChannel fc = FileChannel.open(file, StandardOpenOption.READ)) {
            fc.position(77);
            ByteBuf buf = GetBufFiles.read(loop, fc, 8192, 10_000).get(10, TimeUnit.SECONDS);
            try {
                assertPattern(buf, 8192, 10_000);
            } finally {
                buf.release();
            }
            assertEquals(77, fc.position(), "the caller's channel is untouched");
            assertTrue(fc.isOpen());
            bytes += 10_000;
        }
        assertEquals(readsBefore + cases.length + 1, reads(loop, expected()), "reads by " + expected());
        assertEquals(bytesBefore + bytes, GetBufIoHandler.fileSendStats(loop).readBytes(expected()));
        LentPages.assertSlotsEmpty(group);
        LentPages.assertGivenBack(before, 1);
    }

    @Test
    void writesThrowReadOnlyBufferException() throws Exception {
        ByteBuf buf = read(group.next(), file, 100, 8192);
        try {
            assertTrue(buf.isReadOnly());
            assertFalse(buf.isWritable());
            assertThrows(ReadOnlyBufferException.class, () -> buf.setByte(0, 1));
            assertThrows(ReadOnlyBufferException.class, () -> buf.setLong(8, 1));
            assertThrows(ReadOnlyBufferException.class, () -> buf.setBytes(0, new byte[4]));
            assertThrows(ReadOnlyBufferException.class, () -> buf.setZero(0, 16));
            assertThrows(ReadOnlyBufferException.class, () -> buf.ensureWritable(1));
            assertThrows(ReadOnlyBufferException.class, () -> buf.slice(10, 10).setByte(0, 1));
            assertThrows(ReadOnlyBufferException.class, () -> buf.duplicate().setInt(0, 1));
            ByteBuffer nio = buf.nioBuffer();
            assertTrue(nio.isReadOnly(), "its NIO view is read-only too");
            assertThrows(ReadOnlyBufferException.class, () -> nio.put(0, (byte) 1));
            buf.readByte();
            assertThrows(ReadOnlyBufferException.class, buf::discardReadBytes);
            assertPattern(buf, 101, 8191); // nothing changed
        } finally {
            buf.release();
        }
    }

    @Test
    void badArgumentsGetClearErrorsAndLoseNothing() throws Exception {
        EventLoop loop = group.next();
        assertThrows(IllegalArgumentException.class, () -> GetBufFiles.read(loop, file, -1, 10));
        assertThrows(IllegalArgumentException.class, () -> GetBufFiles.read(loop, file, 0, 0));
        assertThrows(IllegalArgumentException.class,
                () -> GetBufFiles.read(loop, file, 0, GetBufFiles.MAX_LENGTH + 1));
        assertThrows(IllegalArgumentException.class, () -> GetBufFiles.read(clients.next(), file, 0, 10));
        assertThrows(IOException.class, () -> GetBufFiles.read(loop, dir.resolve("missing"), 0, 10));
        FileChannel closed = FileChannel.open(file, StandardOpenOption.READ);
        closed.close();
        assertThrows(IOException.class, () -> GetBufFiles.read(loop, closed, 0, 10));
        // a directory opens, but has no bytes to lend or read
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> GetBufFiles.read(loop, dir, 0, 10).get(10, TimeUnit.SECONDS));
        assertInstanceOf(IOException.class, e.getCause());
        // and it says nothing about its file system: the next file there is still read as before
        long readsBefore = reads(loop, expected());
        read(loop, file, 0, 10).release();
        assertEquals(readsBefore + 1, reads(loop, expected()), () -> "read by " + expected() + ": "
                + GetBufIoHandler.fileSendStats(loop));
        LentPages.assertSlotsEmpty(group);
    }

    private static ByteBuf serve(EventLoop loop, int expected, Consumer<Channel> writer,
                                 AtomicReference<GetBufSocketChannel> child) throws Exception {
        return RegisteredByteBufTest.serve(clients, loop, expected, writer, child);
    }

    private static ByteBuf collect(Channel server, int expected) throws Exception {
        return RegisteredByteBufTest.collect(clients, server, expected);
    }

    private static void assertReceived(ByteBuf received, long offset, int length) {
        try {
            assertPattern(received, offset, length);
        } finally {
            received.release();
        }
    }

    @Test
    void aChannelOfTheLoopSendsItWithoutACopyEvenWhenReleasedBeforeTheSendCompletes() throws Exception {
        EventLoop loop = group.next();
        LentPages.Counters before = LentPages.counters();
        int length = 1 << 20;
        long readsBefore = reads(loop, expected());
        ByteBuf buf = read(loop, file, 3, length);
        List<ChannelFuture> writes = new ArrayList<>();
        AtomicReference<GetBufSocketChannel> child = new AtomicReference<>();
        ByteBuf received = serve(loop, length, ch -> {
            writes.add(ch.writeAndFlush(buf.retainedSlice()));
            buf.release(); // the user lets go at once: the write's own reference keeps the pages
        }, child);
        assertReceived(received, 3, length);
        assertTrue(writes.get(0).await(10, TimeUnit.SECONDS) && writes.get(0).isSuccess(), "write");
        assertTrue(loop.submit(() -> child.get().zeroCopySends()).get() >= 1, "sent zero-copy from the slot");
        assertTrue(TestSupport.await(() -> buf.refCnt() == 0, 10), "the notification released the last reference");
        LentPages.assertSlotsEmpty(group);
        assertEquals(1, reads(loop, expected()) - readsBefore, () -> "read by " + expected() + ": "
                + GetBufIoHandler.fileSendStats(loop));
        LentPages.assertGivenBack(before, 1);
    }

    @Test
    void otherChannelsCopyIt() throws Exception {
        EventLoop owner = group.next();
        EventLoop other = group.next();
        assertFalse(owner == other, "two loops");
        ByteBuf buf = read(owner, file, 500, 70_000);
        AtomicReference<GetBufSocketChannel> child = new AtomicReference<>();
        ByteBuf received = serve(other, 70_000, ch -> ch.writeAndFlush(buf.retain()), child);
        assertReceived(received, 500, 70_000);
        assertEquals(0L, other.submit(() -> child.get().zeroCopySends()).get(), "another loop's channel copies");
        // another transport
        Channel nio = new ServerBootstrap().group(clients).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        ctx.writeAndFlush(buf);
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try {
            assertReceived(collect(nio, 70_000), 500, 70_000);
        } finally {
            nio.close().sync();
        }
        assertTrue(TestSupport.await(() -> buf.refCnt() == 0, 10));
        LentPages.assertSlotsEmpty(group);
    }

    @Test
    void releasedTwiceFailsAndTheSlotGoesBackOnceAndIdleBuffersGiveWay() throws Exception {
        EventLoop loop = group.next();
        ByteBuf buf = read(loop, file, 0, 4096);
        assertTrue(buf.release());
        assertThrows(IllegalReferenceCountException.class, buf::release);
        LentPages.assertSlotsEmpty(group);
        // a registered buffer released before stays in its slot for reuse: it must not keep a read waiting
        GetBufIoHandler.allocateRegistered(loop, 4096).get(10, TimeUnit.SECONDS).release();
        // the slot is whole: every slot can be held at once, then every one comes back
        List<ByteBuf> all = new ArrayList<>();
        for (int i = 0; i < USER_SLOTS; i++) {
            all.add(read(loop, file, 4096L * i, 4096));
        }
        for (int i = 0; i < all.size(); i++) {
            assertPattern(all.get(i), 4096L * i, 4096);
        }
        all.forEach(ByteBuf::release);
        LentPages.assertSlotsEmpty(group);
    }

    @Test
    void aChannelClosedMidSendLetsGo() throws Exception {
        EventLoop loop = group.next();
        LentPages.Counters before = LentPages.counters();
        int length = (int) SIZE;
        ByteBuf buf = read(loop, file, 0, length);
        CompletableFuture<ChannelFuture> write = new CompletableFuture<>();
        Channel server = new ServerBootstrap().group(loop).channel(GetBufServerSocketChannel.class)
                .childOption(ChannelOption.SO_SNDBUF, 16 * 1024)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        write.complete(ctx.writeAndFlush(buf));
                        ctx.executor().schedule(() -> ctx.close(), 100, TimeUnit.MILLISECONDS);
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try {
            // a client that reads nothing: the send cannot finish before the close
            Channel c = new Bootstrap().group(clients).channel(NioSocketChannel.class)
                    .option(ChannelOption.AUTO_READ, false).option(ChannelOption.SO_RCVBUF, 16 * 1024)
                    .handler(new ChannelInboundHandlerAdapter()).connect(server.localAddress()).sync().channel();
            try {
                ChannelFuture w = write.get(10, TimeUnit.SECONDS);
                assertTrue(w.await(10, TimeUnit.SECONDS), "the write ended");
                assertFalse(w.isSuccess(), "the write failed with the channel");
            } finally {
                c.close().sync();
            }
        } finally {
            server.close().sync();
        }
        assertTrue(TestSupport.await(() -> buf.refCnt() == 0, 10), "the channel let go of the buffer");
        LentPages.assertSlotsEmpty(group);
        LentPages.assertGivenBack(before, 1);
    }

    @Test
    void aLoopShutDownWithBuffersHeldLeavesThemReadable() throws Exception {
        LentPages.Counters before = LentPages.counters();
        EventLoopGroup own = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory(config(4)));
        List<ByteBuf> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                held.add(read(own.next(), file, 100_000L * i, 50_000));
            }
        } finally {
            own.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
        for (int i = 0; i < held.size(); i++) {
            assertPattern(held.get(i), 100_000L * i, 50_000); // the mapping outlives the ring
        }
        held.forEach(ByteBuf::release); // from this thread, with the loop gone
        assertEquals(0, held.get(0).refCnt());
        LentPages.assertGivenBack(before, 3); // the ring's end gave the pages back
    }

    @Test
    void aFullTableMakesReadsWait() throws Exception {
        EventLoopGroup small = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory(config(2)));
        try {
            EventLoop loop = small.next();
            ByteBuf a = read(loop, file, 0, 4096);
            ByteBuf b = read(loop, file, 4096, 4096);
            Future<ByteBuf> waiting = GetBufFiles.read(loop, file, 8192, 4096);
            assertFalse(waiting.await(300, TimeUnit.MILLISECONDS), "every slot is held: the read waits");
            a.release(); // from the test thread
            ByteBuf c = waiting.get(10, TimeUnit.SECONDS);
            assertPattern(c, 8192, 4096);
            b.release();
            c.release();
            LentPages.assertSlotsEmpty(small);
        } finally {
            small.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void aFileSystemWithoutAProviderIsReadIntoRegisteredBuffers() throws Exception {
        if (LentPages.REQUIRE_GET_BUF) {
            assertTrue(LentPages.NO_PROVIDER_DIR != null,
                    "-Dgetbuf.test.noProviderDir names a file system without a provider");
        }
        Path where = LentPages.NO_PROVIDER_DIR != null
                ? Files.createTempDirectory(Paths.get(LentPages.NO_PROVIDER_DIR), "getbuf-") : dir;
        Path f = FileTransferTest.patternFile(where, 200_000);
        EventLoop loop = group.next();
        long fixedBefore = reads(loop, GetBufFileStrategy.READ_FIXED);
        long getBufBefore = reads(loop, GetBufFileStrategy.GET_BUF);
        for (int i = 0; i < 2; i++) {
            ByteBuf buf = read(loop, f, 777, 150_000);
            try {
                assertPattern(buf, 777, 150_000);
                assertTrue(buf.isReadOnly());
                assertThrows(ReadOnlyBufferException.class, () -> buf.setByte(0, 1));
            } finally {
                buf.release();
            }
        }
        if (LentPages.NO_PROVIDER_DIR != null || !GetBuf.isGetBufSupported()) {
            assertEquals(fixedBefore + 2, reads(loop, GetBufFileStrategy.READ_FIXED));
            assertEquals(getBufBefore, reads(loop, GetBufFileStrategy.GET_BUF));
        }
        LentPages.assertSlotsEmpty(group);
    }

    /**
     * A file truncated and overwritten while its pages are lent. What the kernel promises for lent pages
     * (kernel/patches/0005): they stay valid whatever happens to the file; data written to them shows through; a
     * truncation leaves the buffer the data the pages held, zeroes past the new size in the page it cuts. Read into a
     * registered buffer instead (no GET_BUF), the buffer is a copy and keeps the old bytes.
     */
    @Test
    void aFileTruncatedAndOverwrittenWhileItsPagesAreLent() throws Exception {
        EventLoop loop = group.next();
        LentPages.Counters before = LentPages.counters();
        int length = 256 * 1024;
        int cut = 10_000;
        int cutPageEnd = 12_288;
        Path f = dir.resolve("changing");
        Files.copy(FileTransferTest.patternFile(dir, length), f);
        ByteBuf buf = read(loop, f, 0, length);
        boolean lent = expected() == GetBufFileStrategy.GET_BUF;
        try (FileChannel fc = FileChannel.open(f, StandardOpenOption.WRITE)) {
            fc.write(ByteBuffer.wrap(new byte[] {0x55, 0x55, 0x55, 0x55}), 100);
            assertEquals(lent ? 0x55 : FileTransferTest.patternAt(100), buf.getByte(100),
                    "a lent page shows what was written to it; a copy does not");
            fc.truncate(cut);
        }
        if (lent) {
            assertEquals(0, buf.getByte(cut + 1), "zeroes past the new size in the page it cuts");
            // past that page Java's mapping covers no file any more (a read there faults: see GetBufFiles); the
            // slot's pages are still the buffer's, and the send below shows them
        } else {
            assertEquals(FileTransferTest.patternAt(length - 1), buf.getByte(length - 1));
        }
        AtomicReference<GetBufSocketChannel> child = new AtomicReference<>();
        ByteBuf received = serve(loop, length, ch -> ch.writeAndFlush(buf), child);
        try {
            for (int i = 0; i < length; i++) {
                byte want = FileTransferTest.patternAt(i);
                if (lent && i >= 100 && i < 104) {
                    want = 0x55;
                } else if (lent && i >= cut && i < cutPageEnd) {
                    want = 0;
                }
                if (received.getByte(i) != want) {
                    throw new AssertionError("byte " + i + ": " + received.getByte(i) + ", expected " + want);
                }
            }
        } finally {
            received.release();
        }
        assertTrue(TestSupport.await(() -> buf.refCnt() == 0, 10));
        LentPages.assertSlotsEmpty(group);
        LentPages.assertGivenBack(before, 1);
    }

    /** 10,000 reads, each sent to a client (which checks every byte) and released, 16 in flight. */
    @Test
    void tenThousandReadSendReleaseCycles() throws Exception {
        EventLoop loop = group.next();
        LentPages.Counters before = LentPages.counters();
        int cycles = 10_000;
        int length = 4096 + 7;
        long stride = 40_961; // offsets at every page position
        int expected = cycles * length;
        long readsBefore = reads(loop, expected());
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        AtomicReference<GetBufSocketChannel> child = new AtomicReference<>();
        ByteBuf received;
        try (FileChannel fc = FileChannel.open(file, StandardOpenOption.READ)) {
            received = serve(loop, expected, ch -> new Cycler(ch, fc, cycles, length, stride, failure).start(),
                    child);
        }
        try {
            assertFalse(failure.isDone(), () -> "a cycle failed: " + failure.getNow(null));
            for (int k = 0; k < cycles; k++) {
                long offset = (k * stride) % (SIZE - length);
                for (int i = 0; i < length; i += 509) {
                    if (received.getByte(k * length + i) != FileTransferTest.patternAt(offset + i)) {
                        throw new AssertionError("cycle " + k + ", byte " + i + " differs");
                    }
                }
            }
        } finally {
            received.release();
        }
        assertEquals(readsBefore + cycles, reads(loop, expected()));
        assertTrue(loop.submit(() -> child.get().zeroCopySends()).get() >= cycles, "every one sent zero-copy");
        LentPages.assertSlotsEmpty(group);
        LentPages.assertGivenBack(before, GetBuf.isGetBufSupported() ? cycles : 0);
    }

    /**
     * Reads (from one open file, as a server would), writes and releases {@code cycles} ranges in order on one
     * channel, a window of them at a time.
     */
    private static final class Cycler {
        private static final int WINDOW = 16;
        private final Channel ch;
        private final FileChannel file;
        private final int cycles;
        private final int length;
        private final long stride;
        private final CompletableFuture<Throwable> failure;
        private final ArrayDeque<Future<ByteBuf>> inFlight = new ArrayDeque<>();
        private int started;

        Cycler(Channel ch, FileChannel file, int cycles, int length, long stride,
               CompletableFuture<Throwable> failure) {
            this.ch = ch;
            this.file = file;
            this.cycles = cycles;
            this.length = length;
            this.stride = stride;
            this.failure = failure;
        }

        void start() {
            fill();
        }

        private void fill() {
            while (inFlight.size() < WINDOW && started < cycles) {
                long offset = (started++ * stride) % (SIZE - length);
                Future<ByteBuf> f;
                try {
                    f = GetBufFiles.read(ch, file, offset, length);
                } catch (IOException e) {
                    failure.complete(e);
                    return;
                }
                inFlight.add(f);
                f.addListener(done -> drain());
            }
        }

        /** Writes the reads that are done, in order; each write's reference is the only one left. */
        private void drain() {
            while (!inFlight.isEmpty() && inFlight.peekFirst().isDone()) {
                Future<ByteBuf> f = inFlight.pollFirst();
                if (!f.isSuccess()) {
                    failure.complete(f.cause());
                    ch.close();
                    return;
                }
                ch.writeAndFlush(f.getNow()).addListener(w -> {
                    if (!w.isSuccess()) {
                        failure.complete(w.cause());
                    }
                });
            }
            fill();
        }
    }
}
