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
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every {@link GetBufFileStrategy} sends DefaultFileRegions of every size byte-exact, 64-bit offsets included (a
 * sparse 5 GiB file with marks beyond 4 GiB), survives the peer going away and the file shrinking under it with a
 * clear failure, waits (does not fail) when the loop's pipes or registered chunks are all lent, and gives back what
 * it used: chunks and pipes (and, through the class checks, descriptors and buffers).
 */
@GetBufTest(warmUp = false)
@Timeout(300)
class FileTransferTest {
    private static final long GIB = 1L << 30;
    private static final long SPARSE_SIZE = 5 * GIB;
    private static final long[] SPARSE_MARKS = {0, 4 * GIB - 3, 4 * GIB + 12_345, SPARSE_SIZE - 1};

    @TempDir
    static Path dir;
    private static EventLoopGroup group;
    private static EventLoopGroup clients;

    @BeforeAll
    static void setUp() {
        GetBufAssumptions.assumeAvailable();
        group = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory());
        clients = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (group != null) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
            clients.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    /** The content of the test files: every byte says where it is. */
    static byte patternAt(long offset) {
        return (byte) (offset * 31 + (offset >>> 12) * 7 + 1);
    }

    static Path patternFile(long size) throws IOException {
        return patternFile(dir, size);
    }

    /** A file of {@code size} pattern bytes in {@code in} (made once). */
    static Path patternFile(Path in, long size) throws IOException {
        Path f = in.resolve("pattern-" + size);
        if (Files.exists(f)) {
            return f;
        }
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            write(ch, size, FileTransferTest::patternAt);
        }
        return f;
    }

    /** Writes {@code content} at offsets 0 to {@code size} of {@code ch} (over what is there: in place). */
    static void write(FileChannel ch, long size, ByteAt content) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        for (long off = 0; off < size; ) {
            buf.clear();
            int n = (int) Math.min(buf.capacity(), size - off);
            for (int i = 0; i < n; i++) {
                buf.put(content.apply(off + i));
            }
            buf.flip();
            while (buf.hasRemaining()) {
                off += ch.write(buf, off);
            }
        }
    }

    /** A 5 GiB file of holes with a mark (the byte's offset's low byte, or 1 for 0) at a few offsets. */
    static Path sparseFile() throws IOException {
        Path f = dir.resolve("sparse-5g");
        if (Files.exists(f)) {
            return f;
        }
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(SPARSE_SIZE);
            for (long mark : SPARSE_MARKS) {
                raf.seek(mark);
                raf.write(sparseMark(mark));
            }
        }
        return f;
    }

    static byte sparseMark(long offset) {
        byte b = (byte) offset;
        return b == 0 ? 1 : b;
    }

    /** Receives one connection's bytes and checks each against {@code expected}. */
    static final class Checker extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Long> done = new CompletableFuture<>();
        private final long size;
        private final ByteAt expected;
        long received;

        Checker(long size, ByteAt expected) {
            this.size = size;
            this.expected = expected;
        }

        private final byte[] scratch = new byte[64 * 1024];

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                // in bulk: each access to a leak-tracked buffer records a stack trace
                while (buf.isReadable()) {
                    int n = Math.min(buf.readableBytes(), scratch.length);
                    buf.readBytes(scratch, 0, n);
                    for (int i = 0; i < n; i++) {
                        if (scratch[i] != expected.apply(received)) {
                            done.completeExceptionally(new AssertionError("byte " + received + " is " + scratch[i]
                                    + ", expected " + expected.apply(received)));
                            ctx.close();
                            return;
                        }
                        received++;
                    }
                }
            } finally {
                buf.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (received == size) {
                done.complete(received);
            } else {
                done.completeExceptionally(new AssertionError("connection closed after " + received + " of " + size
                        + " bytes"));
            }
        }
    }

    /** The byte a file holds at an offset. */
    @FunctionalInterface
    interface ByteAt {
        byte apply(long offset);
    }

    /** Sparse files: holes are zeros, marks are checked at their offsets. */
    static byte sparseByte(long offset) {
        for (long mark : SPARSE_MARKS) {
            if (mark == offset) {
                return sparseMark(offset);
            }
        }
        return 0;
    }

    /** A server whose children send {@code file} as one DefaultFileRegion with {@code strategy}, then close. */
    static Channel serveFile(EventLoopGroup loops, Path file, GetBufFileStrategy strategy,
                                     List<ChannelFuture> writes) throws Exception {
        return serveFile(loops, file, -1, strategy, writes);
    }

    /** As above, the region {@code count} bytes long ({@code -1}: the file's size, for files that have none). */
    static Channel serveFile(EventLoopGroup loops, Path file, long count, GetBufFileStrategy strategy,
                             List<ChannelFuture> writes) throws Exception {
        return new ServerBootstrap().group(loops).channel(GetBufServerSocketChannel.class)
                .childOption(GetBufChannelOption.FILE_STRATEGY, strategy)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public boolean isSharable() {
                        return true;
                    }

                    @Override
                    public void channelActive(ChannelHandlerContext ctx) throws IOException {
                        FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
                        ChannelFuture f = ctx.writeAndFlush(new DefaultFileRegion(fc, 0, count < 0 ? fc.size() : count));
                        synchronized (writes) {
                            writes.add(f);
                        }
                        f.addListener(done -> ctx.close());
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    private static long fetch(Channel server, long size, ByteAt expected)
            throws Exception {
        Checker checker = new Checker(size, expected);
        Channel c = new Bootstrap().group(clients).channel(NioSocketChannel.class).handler(checker)
                .connect(server.localAddress()).sync().channel();
        try {
            return checker.done.get(240, TimeUnit.SECONDS);
        } finally {
            c.close().sync();
        }
    }

    @ParameterizedTest
    @EnumSource(value = GetBufFileStrategy.class, mode = EnumSource.Mode.EXCLUDE, names = "AUTO")
    void everySizeArrivesExact(GetBufFileStrategy strategy) throws Exception {
        List<ChannelFuture> writes = new ArrayList<>();
        for (long size : new long[] {0, 1, 4096, (1 << 20) + 1, 64L << 20}) {
            Path file = patternFile(size);
            Channel server = serveFile(group, file, strategy, writes);
            try {
                assertEquals(size, fetch(server, size, FileTransferTest::patternAt), "size " + size);
            } finally {
                server.close().sync();
            }
        }
        for (ChannelFuture w : writes) {
            assertTrue(w.await(10, TimeUnit.SECONDS) && w.isSuccess(), "write " + w.cause());
        }
        assertStrategyUsed(strategy, writes.size() - 1); // the empty region is not a transfer
        assertNothingLent();
    }

    /** A region that starts inside a page (and so spans one page more than its length suggests). */
    @ParameterizedTest
    @EnumSource(value = GetBufFileStrategy.class, mode = EnumSource.Mode.EXCLUDE, names = "AUTO")
    void aRegionStartingInsideAPageArrivesExact(GetBufFileStrategy strategy) throws Exception {
        Path file = patternFile(4L << 20);
        long start = 1000;
        long count = (3L << 20) + 7;
        Channel server = new ServerBootstrap().group(group).channel(GetBufServerSocketChannel.class)
                .childOption(GetBufChannelOption.FILE_STRATEGY, strategy)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) throws IOException {
                        FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
                        ctx.writeAndFlush(new DefaultFileRegion(fc, start, count)).addListener(f -> ctx.close());
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try {
            Checker checker = new Checker(count, offset -> patternAt(start + offset));
            Channel c = new Bootstrap().group(clients).channel(NioSocketChannel.class).handler(checker)
                    .connect(server.localAddress()).sync().channel();
            assertEquals(count, checker.done.get(20, TimeUnit.SECONDS));
            c.close().sync();
        } finally {
            server.close().sync();
        }
        assertNothingLent();
    }

    @ParameterizedTest
    @EnumSource(value = GetBufFileStrategy.class, mode = EnumSource.Mode.EXCLUDE, names = "AUTO")
    void aSparseFileOfFiveGibibytesArrivesWhole(GetBufFileStrategy strategy) throws Exception {
        List<ChannelFuture> writes = new ArrayList<>();
        Channel server = serveFile(group, sparseFile(), strategy, writes);
        try {
            assertEquals(SPARSE_SIZE, fetch(server, SPARSE_SIZE, FileTransferTest::sparseByte));
        } finally {
            server.close().sync();
        }
        assertTrue(writes.get(0).await(10, TimeUnit.SECONDS) && writes.get(0).isSuccess());
        assertNothingLent();
    }

    /**
     * With one pipe and one registered chunk on the loop, concurrent transfers do not wait for them (their holder's
     * peer might never read): those that find none go on by sendfile, say so in the counters, and all arrive exact.
     */
    @ParameterizedTest
    @EnumSource(value = GetBufFileStrategy.class, names = {"SPLICE", "READ_FIXED", "READ_FIXED_ZC"})
    void transfersBeyondTheLoopsOnlyPipeOrChunkFallBackToSendfile(GetBufFileStrategy strategy) throws Exception {
        GetBufAssumptions.assumeFeature(effective(strategy) == strategy, () -> strategy + " is not available here");
        EventLoopGroup small = Fixtures.getbuf(1, new GetBufIoHandlerConfig().setPipes(1, 64 * 1024)
                .setFileChunks(1, 64 * 1024));
        try {
            long size = 8L << 20;
            List<ChannelFuture> writes = new ArrayList<>();
            Channel server = serveFile(small, patternFile(size), strategy, writes);
            try {
                List<Fixtures.Reader> readers = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    readers.add(Fixtures.connect(clients, server.localAddress(), size, FileTransferTest::patternAt,
                            Fixtures.Pace.FULL_SPEED));
                }
                Fixtures.awaitAll(readers, 60);
            } finally {
                server.close().sync();
            }
            // the peers can have every byte before the loop has seen the last completion: the writes say when
            Fixtures.assertSucceeded(writes);
            assertEquals(4, writes.size());
            GetBufFileSendStats stats = GetBufIoHandler.fileSendStats(small.next());
            assertEquals(4, stats.regions(strategy) + stats.regions(GetBufFileStrategy.SENDFILE), stats.toString());
            assertEquals(stats.fallbacks(strategy), stats.regions(GetBufFileStrategy.SENDFILE), stats.toString());
            assertTrue(stats.fallbacks(strategy) > 0, "transfers fell back: " + stats);
            assertEquals(4 * size, stats.totalBytes(), stats.toString());
            Fixtures.assertNothingLent(small);
            GetBufIoHandler h = GetBufIoHandler.handlerOf(small.next());
            assertTrue(small.next().submit(() -> h.fileStrategies().pipes().openPipes() <= 1).get(), "one pipe at most");
        } finally {
            Fixtures.shutdown(small);
        }
    }

    private static void assertStrategyUsed(GetBufFileStrategy strategy, long regions) throws Exception {
        GetBufFileSendStats stats = GetBufIoHandler.fileSendStats(group.next());
        GetBufFileStrategy used = effective(strategy);
        assertTrue(stats.regions(used) >= regions, strategy + " (so " + used + ") sent " + stats);
    }

    /** What a channel asking for {@code strategy} uses here: GET_BUF only on a kernel with it, else SENDFILE. */
    static GetBufFileStrategy effective(GetBufFileStrategy strategy) {
        switch (strategy) {
            case AUTO:
                return effective(GetBufFileStrategy.GET_BUF);
            case GET_BUF:
                return GetBuf.isGetBufSupported() && GetBuf.isSendZcSupported() && GetBuf.isRegisteredBuffersSupported()
                        ? strategy : GetBufFileStrategy.SENDFILE;
            case SPLICE:
                return GetBuf.isSpliceSupported() ? strategy : GetBufFileStrategy.SENDFILE;
            case READ_FIXED:
                return GetBuf.isRegisteredBuffersSupported() ? strategy : GetBufFileStrategy.SENDFILE;
            case READ_FIXED_ZC:
                return GetBuf.isRegisteredBuffersSupported() && GetBuf.isSendZcSupported() ? strategy
                        : GetBufFileStrategy.SENDFILE;
            default:
                return strategy;
        }
    }

    /** Every registered chunk and slot is free again, and no pipe is lent. */
    private static void assertNothingLent() throws Exception {
        Fixtures.assertNothingLent(group);
    }

    private static GetBufIoHandler handler() {
        return GetBufIoHandler.handlerOf(group.next());
    }

    @ParameterizedTest
    @EnumSource(value = GetBufFileStrategy.class, mode = EnumSource.Mode.EXCLUDE, names = "AUTO")
    void aPeerThatGoesAwayFailsTheWriteAndLeavesNothingBehind(GetBufFileStrategy strategy) throws Exception {
        List<ChannelFuture> writes = new ArrayList<>();
        Channel server = serveFile(group, patternFile(64L << 20), strategy, writes);
        try {
            AtomicLong got = new AtomicLong();
            CompletableFuture<Void> some = new CompletableFuture<>();
            // reads only until it has 1 MiB, so the sender is far from done when the peer goes
            Channel c = new Bootstrap().group(clients).channel(NioSocketChannel.class)
                    .option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.SO_LINGER, 0) // close resets: no orderly drain
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            ctx.read();
                        }

                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            int n = ((ByteBuf) msg).readableBytes();
                            ((ByteBuf) msg).release();
                            if (got.addAndGet(n) > (1 << 20)) {
                                some.complete(null);
                            }
                        }

                        @Override
                        public void channelReadComplete(ChannelHandlerContext ctx) {
                            if (!some.isDone()) {
                                ctx.read();
                            }
                        }
                    }).connect(server.localAddress()).sync().channel();
            some.get(10, TimeUnit.SECONDS);
            c.close().sync();
            TestSupport.await(() -> !writes.isEmpty() && writes.get(0).isDone(), 20);
            ChannelFuture w = writes.get(0);
            assertTrue(w.isDone(), "the write ended");
            assertFalse(w.isSuccess(), "a peer that went away fails the write");
            assertInstanceOf(IOException.class, w.cause(), String.valueOf(w.cause()));
        } finally {
            server.close().sync();
        }
        assertNothingLent();
    }

    @ParameterizedTest
    @EnumSource(value = GetBufFileStrategy.class, mode = EnumSource.Mode.EXCLUDE, names = "AUTO")
    void aFileTruncatedWhileSentFailsTheWrite(GetBufFileStrategy strategy) throws Exception {
        Path file = dir.resolve("shrinking-" + strategy);
        Files.copy(patternFile(64L << 20), file);
        List<ChannelFuture> writes = new ArrayList<>();
        Channel server = serveFile(group, file, strategy, writes);
        try {
            BlockingQueue<Long> progress = new LinkedBlockingQueue<>();
            AtomicLong got = new AtomicLong();
            Channel c = new Bootstrap().group(clients).channel(NioSocketChannel.class)
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            progress.add(got.addAndGet(((ByteBuf) msg).readableBytes()));
                            ((ByteBuf) msg).release();
                        }
                    }).connect(server.localAddress()).sync().channel();
            // read a little, so the sender is well into the file but far from its end, then cut the file short
            long readUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (got.get() < (4 << 20)) {
                assertTrue(System.nanoTime() < readUntil, "the sender stopped after " + got.get() + " bytes");
                c.read();
                progress.poll(1, TimeUnit.SECONDS);
            }
            try (FileChannel fc = FileChannel.open(file, StandardOpenOption.WRITE)) {
                fc.truncate(16L << 20);
            }
            c.config().setAutoRead(true);
            TestSupport.await(() -> !writes.isEmpty() && writes.get(0).isDone(), 30);
            ChannelFuture w = writes.get(0);
            assertTrue(w.isDone(), "the write ended (did not hang)");
            assertFalse(w.isSuccess());
            assertInstanceOf(IOException.class, w.cause(), String.valueOf(w.cause()));
            assertTrue(String.valueOf(w.cause().getMessage()).contains("truncated"), w.cause().getMessage());
            c.close().sync();
        } finally {
            server.close().sync();
        }
        assertNothingLent();
    }
}
