/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The GET_BUF strategy end to end. On the patched kernel (kernel/vm/java-tests runs this class there, with
 * {@code -Dgetbuf.test.requireGetBuf=true}): regions go out by GET_BUF byte-exact, every slot is empty afterwards and
 * the page-cache provider's own counters (debugfs) have handed back every buffer and page they lent; a file system
 * without a provider makes the region go on by SENDFILE without failing it, and is remembered; one slot shared by
 * concurrent transfers is back-pressure. On a stock kernel the same channels send by SENDFILE, which is checked too.
 */
@GetBufTest(warmUp = false)
@Timeout(120)
class GetBufStrategyTest {
    /** A directory on a file system without a GET_BUF provider (the VM's overlayfs /tmp). */
    private static final String NO_PROVIDER_DIR = LentPages.NO_PROVIDER_DIR;

    @TempDir
    static Path dir;
    private static EventLoopGroup group;
    private static EventLoopGroup clients;

    @BeforeAll
    static void setUp() throws IOException {
        GetBufAssumptions.assumeAvailable();
        LentPages.requireGetBufWhereAsked();
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

    private static boolean patched() {
        return GetBuf.isGetBufSupported();
    }

    private static Channel serve(EventLoopGroup loops, Path file, List<ChannelFuture> writes) throws Exception {
        return FileTransferTest.serveFile(loops, file, GetBufFileStrategy.GET_BUF, writes);
    }

    private static long fetch(Channel server, long size) throws Exception {
        return fetch(server, size, FileTransferTest::patternAt);
    }

    private static long fetch(Channel server, long size, FileTransferTest.ByteAt expected) throws Exception {
        FileTransferTest.Checker checker = new FileTransferTest.Checker(size, expected);
        Channel c = new Bootstrap().group(clients).channel(NioSocketChannel.class).handler(checker)
                .connect(server.localAddress()).sync().channel();
        try {
            return checker.done.get(60, TimeUnit.SECONDS);
        } finally {
            c.close().sync();
        }
    }

    private static Path patternFile(Path in, long size) throws IOException {
        return FileTransferTest.patternFile(in, size);
    }

    private static long regions(EventLoopGroup loops, GetBufFileStrategy kind) {
        return GetBufIoHandler.fileSendStats(loops.next()).regions(kind);
    }

    @Test
    void regionsGoOutByGetBufAndEveryPageGoesBack() throws Exception {
        LentPages.Counters before = LentPages.counters();
        long getBufBefore = regions(group, GetBufFileStrategy.GET_BUF);
        long sendfileBefore = regions(group, GetBufFileStrategy.SENDFILE);
        GetBufLoopStats loopBefore = GetBufIoHandler.stats(group.next()).get(10, TimeUnit.SECONDS);
        List<ChannelFuture> writes = new ArrayList<>();
        long[] sizes = {1, 4096, (1 << 20) + 1, 16L << 20};
        for (long size : sizes) {
            Channel server = serve(group, patternFile(dir, size), writes);
            try {
                assertEquals(size, fetch(server, size), "size " + size);
            } finally {
                server.close().sync();
            }
        }
        for (ChannelFuture w : writes) {
            assertTrue(w.await(10, TimeUnit.SECONDS) && w.isSuccess(), "write " + w.cause());
        }
        GetBufFileStrategy expected = patched() ? GetBufFileStrategy.GET_BUF : GetBufFileStrategy.SENDFILE;
        long before0 = expected == GetBufFileStrategy.GET_BUF ? getBufBefore : sendfileBefore;
        assertEquals(before0 + sizes.length, regions(group, expected), "regions sent by " + expected);
        LentPages.assertSlotsEmpty(group);
        LentPages.assertGivenBack(before, sizes.length);
        GetBufLoopStats loopAfter = GetBufIoHandler.stats(group.next()).get(10, TimeUnit.SECONDS);
        if (patched()) {
            // each chunk's slot is emptied by a table update once its send is in (batched per loop iteration)
            assertTrue(loopAfter.bufferTableUpdates() >= loopBefore.bufferTableUpdates() + sizes.length,
                    loopBefore + " -> " + loopAfter);
        } else {
            assertTrue(loopAfter.sendfileCalls() >= loopBefore.sendfileCalls() + sizes.length,
                    loopBefore + " -> " + loopAfter);
        }
    }

    /**
     * A GET_BUF reports only when it fails ({@code IOSQE_CQE_SKIP_SUCCESS}): per chunk, one CQE for the send's result
     * and one for its notification, for two SQEs. Before, the GET_BUF's own CQE made it three: half a CQE more per SQE.
     */
    @Test
    void aChunksGetBufReportsOnlyWhenItFails() throws Exception {
        assumeTrue(patched(), "GET_BUF only");
        long size = 16L << 20; // 64 chunks of 256 KiB
        List<ChannelFuture> writes = new ArrayList<>();
        Channel server = serve(group, patternFile(dir, size), writes);
        try {
            GetBufLoopStats before = GetBufIoHandler.stats(group.next()).get(10, TimeUnit.SECONDS);
            assertEquals(size, fetch(server, size));
            assertTrue(writes.get(0).await(10, TimeUnit.SECONDS) && writes.get(0).isSuccess(), "write");
            LentPages.assertSlotsEmpty(group); // every notification is in
            GetBufLoopStats after = GetBufIoHandler.stats(group.next()).get(10, TimeUnit.SECONDS);
            long sqes = after.sqesSubmitted() - before.sqesSubmitted();
            long cqes = after.completions() - before.completions();
            assertTrue(sqes >= 128, before + " -> " + after);
            // a little room for the channels' own operations (accept, reads, polls, the stats task's wake-up)
            assertTrue(cqes <= sqes + 16, "CQEs " + cqes + " for " + sqes + " SQEs: " + before + " -> " + after);
        } finally {
            server.close().sync();
        }
    }

    @Test
    void aFileSystemWithoutAProviderFallsBackAndIsRemembered() throws Exception {
        if (LentPages.REQUIRE_GET_BUF) {
            assertTrue(NO_PROVIDER_DIR != null, "-Dgetbuf.test.noProviderDir names a file system without a provider");
        }
        Path where = NO_PROVIDER_DIR != null ? Files.createTempDirectory(Paths.get(NO_PROVIDER_DIR), "getbuf-")
                : dir;
        long size = 3L << 20;
        long sendfileBefore = regions(group, GetBufFileStrategy.SENDFILE);
        long getBufBefore = regions(group, GetBufFileStrategy.GET_BUF);
        List<ChannelFuture> writes = new ArrayList<>();
        Path file = patternFile(where, size);
        for (int i = 0; i < 2; i++) {
            Channel server = serve(group, file, writes);
            try {
                assertEquals(size, fetch(server, size));
            } finally {
                server.close().sync();
            }
        }
        for (ChannelFuture w : writes) {
            assertTrue(w.await(10, TimeUnit.SECONDS) && w.isSuccess(), "the write did not fail: " + w.cause());
        }
        if (NO_PROVIDER_DIR != null || !patched()) {
            assertEquals(sendfileBefore + 2, regions(group, GetBufFileStrategy.SENDFILE));
            assertEquals(getBufBefore, regions(group, GetBufFileStrategy.GET_BUF));
        }
        LentPages.assertSlotsEmpty(group);
    }

    /**
     * A device node speaks for its driver, not for its file system: /dev/zero has no provider, so GET_BUF answers
     * {@code -EOPNOTSUPP} and the region goes on by SENDFILE (the write does not fail); devtmpfs is not marked as
     * lending nothing, so the next region of the device asks again, and regular files still go by GET_BUF.
     */
    @Test
    void aDeviceWithoutAProviderFallsBackForThatRegionOnly() throws Exception {
        Path zero = Paths.get("/dev/zero");
        long size = (1L << 20) + 1;
        long sendfileBefore = regions(group, GetBufFileStrategy.SENDFILE);
        long getBufBefore = regions(group, GetBufFileStrategy.GET_BUF);
        List<ChannelFuture> writes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Channel server = FileTransferTest.serveFile(group, zero, size, GetBufFileStrategy.GET_BUF, writes);
            try {
                assertEquals(size, fetch(server, size, offset -> (byte) 0));
            } finally {
                server.close().sync();
            }
        }
        awaitWrites(writes);
        assertEquals(sendfileBefore + 2, regions(group, GetBufFileStrategy.SENDFILE), "/dev/zero by SENDFILE");
        GetBufFileStrategy expected = patched() ? GetBufFileStrategy.GET_BUF : GetBufFileStrategy.SENDFILE;
        long expectedBefore = regions(group, expected);
        long regular = 64 * 1024 + 3;
        Channel server = serve(group, patternFile(dir, regular), writes);
        try {
            assertEquals(regular, fetch(server, regular));
        } finally {
            server.close().sync();
        }
        awaitWrites(writes);
        assertEquals(expectedBefore + 1, regions(group, expected), "the regular file by " + expected);
        assertEquals(getBufBefore + (patched() ? 1 : 0), regions(group, GetBufFileStrategy.GET_BUF));
        DefaultFileRegion region = new DefaultFileRegion(zero.toFile(), 0, 1);
        try {
            region.open();
            int fd = Native.fileRegionFd(region);
            assertFalse(group.next().submit(() -> GetBufIoHandler.handlerOf(group.next()).fileStrategies()
                    .lendsNoPages(fd)).get(), "devtmpfs is not marked as lending no pages");
        } finally {
            region.release();
        }
        LentPages.assertSlotsEmpty(group);
    }

    /** Every write succeeded; each completes after its region was counted. */
    private static void awaitWrites(List<ChannelFuture> writes) throws InterruptedException {
        for (ChannelFuture w : writes) {
            assertTrue(w.await(10, TimeUnit.SECONDS) && w.isSuccess(), "the write did not fail: " + w.cause());
        }
    }

    /**
     * With one user slot, concurrent transfers take turns on it or, when the slot is held by another transfer (whose
     * peer might never read), go on by sendfile: all arrive exact, and the counters say which went how.
     */
    @Test
    void concurrentTransfersShareOneSlotOrFallBack() throws Exception {
        EventLoopGroup small = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory(new GetBufIoHandlerConfig()
                .setRegisteredBuffers(2).setFileChunks(1, 64 * 1024)));
        try {
            long size = 4L << 20;
            List<ChannelFuture> writes = new ArrayList<>();
            Channel server = serve(small, patternFile(dir, size), writes);
            try {
                List<CompletableFuture<Long>> fetches = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    fetches.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            return fetch(server, size);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }));
                }
                for (CompletableFuture<Long> f : fetches) {
                    assertEquals(size, f.get(90, TimeUnit.SECONDS));
                }
            } finally {
                server.close().sync();
            }
            awaitWrites(writes);
            GetBufFileSendStats stats = GetBufIoHandler.fileSendStats(small.next());
            assertEquals(4, regions(small, GetBufFileStrategy.GET_BUF) + regions(small, GetBufFileStrategy.SENDFILE),
                    stats.toString());
            assertEquals(4 * size, stats.totalBytes(), stats.toString());
            if (patched()) {
                assertTrue(stats.bytes(GetBufFileStrategy.GET_BUF) > 0, stats.toString());
                assertEquals(stats.fallbacks(GetBufFileStrategy.GET_BUF), regions(small, GetBufFileStrategy.SENDFILE),
                        stats.toString());
            }
            LentPages.assertSlotsEmpty(small);
        } finally {
            small.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }
    /**
     * Sixteen transfers in flight at once on one loop with the default table, none of whose peers reads until all have
     * begun: every byte goes by GET_BUF, exact, nothing falls back, and every slot is empty afterwards. (It passes with
     * the old default of 64 slots too: it does not reproduce the fallback the in-VM benchmark saw at 16 connections.)
     */
    @Test
    void sixteenConcurrentTransfersGoByGetBufWithTheDefaultTable() throws Exception {
        EventLoopGroup loop = Fixtures.getbuf(1, new GetBufIoHandlerConfig());
        try {
            long size = 4L << 20;
            int transfers = 16;
            List<ChannelFuture> writes = new ArrayList<>();
            Channel server = serve(loop, patternFile(dir, size), writes);
            List<Channel> peers = new ArrayList<>();
            List<FileTransferTest.Checker> checkers = new ArrayList<>();
            try {
                // no peer reads until every transfer has begun: their sockets fill, and all sixteen chains wait in
                // flight at once, as under a benchmark's sixteen busy keep-alive connections
                for (int i = 0; i < transfers; i++) {
                    FileTransferTest.Checker checker = new FileTransferTest.Checker(size, FileTransferTest::patternAt);
                    checkers.add(checker);
                    peers.add(new Bootstrap().group(clients).channel(NioSocketChannel.class)
                            .option(io.netty.channel.ChannelOption.AUTO_READ, false).handler(checker)
                            .connect(server.localAddress()).sync().channel());
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (true) {
                    synchronized (writes) {
                        if (writes.size() == transfers) {
                            break;
                        }
                    }
                    assertTrue(System.nanoTime() < deadline, "the server began " + writes.size() + " transfers");
                    Thread.sleep(10);
                }
                Thread.sleep(200); // the last transfers' first chains reach the ring
                for (Channel peer : peers) {
                    peer.config().setAutoRead(true);
                }
                for (FileTransferTest.Checker checker : checkers) {
                    assertEquals(size, checker.done.get(90, TimeUnit.SECONDS));
                }
            } finally {
                for (Channel peer : peers) {
                    peer.close().sync();
                }
                server.close().sync();
            }
            awaitWrites(writes);
            GetBufFileSendStats stats = GetBufIoHandler.fileSendStats(loop.next());
            assertEquals(transfers * size, stats.totalBytes(), stats.toString());
            if (patched()) {
                assertEquals(0, stats.fallbacks(GetBufFileStrategy.GET_BUF), "no transfer went on by another "
                        + "strategy: " + stats);
                assertEquals(transfers * size, stats.bytes(GetBufFileStrategy.GET_BUF), stats.toString());
            }
            LentPages.assertSlotsEmpty(loop);
        } finally {
            Fixtures.shutdown(loop);
        }
    }

    /**
     * With {@code kernel.io_uring_get_buf_max_mb} at 1 (its least) the ring may hold 1 MiB lent: a GET_BUF of a 2 MiB
     * chunk finds no room ({@code -ENOBUFS}), so the 3 MiB region goes on by SENDFILE, and a 2 MiB
     * {@link GetBufFiles#read} is read by READ_FIXED instead. Neither fails, every byte arrives. (A chain of smaller
     * chunks does not reach the limit: each sent chunk's slot is emptied before the next link runs.)
     */
    @Test
    void theRingsLimitOnLentPagesFallsBackInsteadOfFailing() throws Exception {
        Path limit = Paths.get("/proc/sys/kernel/io_uring_get_buf_max_mb");
        if (!patched() || !Files.isWritable(limit)) {
            assertFalse(LentPages.REQUIRE_GET_BUF && patched(), "the VM runs as root: " + limit + " is writable");
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "needs the patched kernel and root");
        }
        String was = Files.readString(limit).trim();
        long size = 3L << 20;
        Path file = patternFile(dir, size);
        EventLoopGroup limited = Fixtures.getbuf(1, new GetBufIoHandlerConfig().setGetBufChunkSize(2 << 20));
        Files.writeString(limit, "1");
        try {
            List<ChannelFuture> writes = new ArrayList<>();
            Channel server = serve(limited, file, writes);
            try {
                assertEquals(size, fetch(server, size));
            } finally {
                server.close().sync();
            }
            awaitWrites(writes);
            // the loop's own counters, live (it is this test's loop)
            GetBufFileSendStats stats = GetBufIoHandler.fileSendStats(limited.next());
            assertEquals(1, regions(limited, GetBufFileStrategy.SENDFILE), stats.toString());
            assertEquals(1, stats.fallbacks(GetBufFileStrategy.GET_BUF), stats.toString());

            int length = 2 << 20;
            io.netty.buffer.ByteBuf buf = GetBufFiles.read(limited.next(), file, 4096, length).get(30, TimeUnit.SECONDS);
            try {
                assertEquals(length, buf.readableBytes());
                for (int i = 0; i < length; i++) {
                    assertEquals(FileTransferTest.patternAt(4096 + i), buf.getByte(i), "byte " + i);
                }
            } finally {
                buf.release();
            }
            GetBufFileSendStats after = GetBufIoHandler.fileSendStats(limited.next());
            assertEquals(1, after.reads(GetBufFileStrategy.READ_FIXED), after.toString());
            assertEquals(0, after.bytes(GetBufFileStrategy.GET_BUF), "nothing went by GET_BUF: " + after);
            assertEquals(size, after.bytes(GetBufFileStrategy.SENDFILE), after.toString());
            LentPages.assertSlotsEmpty(limited);
        } finally {
            Files.writeString(limit, was);
            Fixtures.shutdown(limited);
        }
    }
}
