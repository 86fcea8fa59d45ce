/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.FdSnapshot;
import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A file truncated or overwritten while a region of it is on its way, its pages lent: on the patched kernel (in the VM,
 * {@code -Dgetbuf.test.requireGetBuf=true}) by GET_BUF, where the loop's slots and the sockets hold page references;
 * on a stock kernel the channel asks for GET_BUF and gets SENDFILE, whose sockets hold page references too, and the
 * same promises are checked.
 *
 * <p>What the kernel promises (kernel/patches 0005): a lent buffer stays valid whatever happens to the file; later
 * writes to the same pages show through; truncation leaves the old data in place, a partially truncated page reading
 * as zeroes beyond the new size, and no freed page is ever exposed; a GET_BUF at or past the end of the file installs
 * nothing. And the transport's: a file that shrinks under a transfer fails the write with an IOException that says
 * so, and the channel closes, as Netty's transports do (what was written after the region would reach the peer as
 * the rest of it: TruncatedRegionTest).
 *
 * <p>Each test: a server sends the whole file as one region, then, when that write succeeded, a trailer saying so
 * and how many bytes of the region went out, then closes; a write that failed closed the channel, and the test takes
 * its count from the region itself. A plain socket reads a little and stops, so that the sender
 * stalls with the socket buffers full and (GET_BUF) its slots holding pages; the test changes the file, then reads
 * the rest to the end. Checked: every byte received was in the file at that offset (old content, new content, or
 * zero where the promise allows it), the region's bytes are exactly what the server counted, the write ended
 * (bounded time) as it must, a trailer followed a write that succeeded, and nothing stays lent: every slot empty,
 * the provider's buffers and pages given back, no descriptor left open.
 */
@GetBufTest(warmUp = false)
@Timeout(120)
class FileChangedWhileLentTest {
    private static final int SIZE = 24 << 20;
    /** Read before the reader stops. */
    private static final int HEAD = 1 << 20;
    private static final int PAGE = 4096;
    private static final long TRAILER_MAGIC = 0x6765746275662121L; // "getbuf!!"
    /** magic, 1 if the region's write succeeded, bytes of the region transferred. */
    private static final int TRAILER = 8 + 1 + 8;
    private static final int READ_TIMEOUT_MILLIS = 30_000;
    private static final int STALLED_POLLS = 3;

    @TempDir
    static Path dir;
    private static EventLoopGroup group;
    private Path file;
    private LentPages.Counters providerBefore;
    private FdSnapshot fdsBefore;

    @BeforeAll
    static void setUp() throws Exception {
        GetBufAssumptions.assumeAvailable();
        LentPages.requireGetBufWhereAsked();
        group = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory());
        group.next().submit(() -> { }).sync(); // the loop and its ring are up before a test counts descriptors
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (group != null) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    @BeforeEach
    void makeFile() throws IOException {
        file = dir.resolve("changing");
        Files.copy(FileTransferTest.patternFile(dir, SIZE), file, StandardCopyOption.REPLACE_EXISTING);
        providerBefore = LentPages.counters();
        fdsBefore = FdSnapshot.take();
    }

    @AfterEach
    void nothingStaysLent() throws Exception {
        LentPages.assertSlotsEmpty(group);
        LentPages.assertGivenBack(providerBefore, 0);
        // the descriptors this test opened, not a count: another's closing meanwhile must not fail it
        assertTrue(TestSupport.await(() -> FdSnapshot.take().newSince(fdsBefore).isEmpty(), 5),
                () -> "descriptors left open: " + FdSnapshot.take().newSince(fdsBefore));
    }

    /** What the file held before the change: the pattern of FileTransferTest. */
    private static byte oldAt(long offset) {
        return FileTransferTest.patternAt(offset);
    }

    /** What the change writes: unlike the old content at every offset. */
    private static byte newAt(long offset) {
        return (byte) ~oldAt(offset);
    }

    @Test
    void aFileTruncatedUnderLentPagesFailsTheWriteAndSendsOnlyWhatItHeld() throws Exception {
        Run run = new Run();
        // cut inside what the socket holds, in the middle of a page: the whole pages after the cut keep their old
        // data, the cut page reads as zeroes after it
        long cut = (run.head + run.stalledAt) / 2 / PAGE * PAGE + 1234;
        assertTrue(cut > run.head && cut < run.stalledAt, "cut " + cut + " between " + run.head + " and "
                + run.stalledAt);
        truncate(cut);
        Received r = run.finish();
        assertTruncated(run, r);
        assertTrue(r.length >= run.stalledAt, "what the socket had taken arrived: " + r.length + " of "
                + run.stalledAt);
        assertTrue(r.length <= run.lentEnd(), "nothing the file no longer held was lent after the cut: " + r.length
                + ", lent up to " + run.lentEnd());
        // the cut page, or (no GET_BUF here) the large folio a file system could not split, reads as zeroes after the
        // cut; pages wholly after it keep their old data
        long zeroesEnd = GetBuf.isGetBufSupported() ? roundUp(cut, PAGE) : roundUp(cut, 2 << 20);
        for (long i = 0; i < r.length; i++) {
            byte b = r.at(i);
            if (b != oldAt(i) && (i < cut || i >= zeroesEnd || b != 0)) {
                fail("byte " + i + " is " + b + ": the file held " + oldAt(i) + " (cut at " + cut + ", zeroes allowed"
                        + " up to " + zeroesEnd + ")");
            }
        }
    }

    @Test
    void aFileTruncatedAheadOfTheTransferSendsExactlyWhatItStillHolds() throws Exception {
        Run run = new Run();
        // cut where the transfer has not come yet: a GET_BUF comes back short there and the rest must still go out
        long cut = run.lentEnd() + (1 << 20) + 1234;
        truncate(cut);
        Received r = run.finish();
        assertTruncated(run, r);
        assertEquals(cut, r.length, "every byte up to the new end of the file, and nothing after it");
        for (long i = 0; i < r.length; i++) {
            if (r.at(i) != oldAt(i)) {
                fail("byte " + i + " is " + r.at(i) + ": the file held " + oldAt(i));
            }
        }
    }

    private void truncate(long size) throws IOException {
        try (FileChannel fc = FileChannel.open(file, StandardOpenOption.WRITE)) {
            fc.truncate(size);
        }
    }

    private static long roundUp(long offset, long unit) {
        return (offset + unit - 1) / unit * unit;
    }

    /** The region's write failed as truncated, and not all of it arrived. */
    private static void assertTruncated(Run run, Received r) throws Exception {
        assertFalse(r.succeeded, "the write of a region the file no longer holds failed");
        Throwable cause = run.writeCause();
        assertInstanceOf(IOException.class, cause, String.valueOf(cause));
        assertTrue(String.valueOf(cause.getMessage()).contains("truncated"), cause.getMessage());
        assertTrue(r.length < SIZE, "not the whole region: " + r.length);
    }

    @Test
    void aFileOverwrittenUnderLentPagesSendsOldOrNewBytesOnly() throws Exception {
        Run run = new Run();
        rewrite();
        Received r = run.finish();
        assertTrue(r.succeeded, "the write succeeded: " + run.writeCause());
        assertEquals(SIZE, r.length);
        assertOldOrNew(run, r);
    }

    @Test
    void aFileTruncatedThenRewrittenUnderLentPagesSendsOldOrNewBytesOnly() throws Exception {
        Run run = new Run();
        truncate(0);
        rewrite();
        Received r = run.finish();
        // the sender may have looked at the file while it was short: then it failed the write, as for a truncation
        if (!r.succeeded) {
            Throwable cause = run.writeCause();
            assertTrue(String.valueOf(cause.getMessage()).contains("truncated"), String.valueOf(cause));
        } else {
            assertEquals(SIZE, r.length);
        }
        assertOldOrNew(run, r);
    }

    /** Every byte is the old or the new content; what was read before the change is old, what was not yet lent new. */
    private static void assertOldOrNew(Run run, Received r) {
        long lentEnd = run.lentEnd();
        for (long i = 0; i < r.length; i++) {
            byte b = r.at(i);
            if (i < run.head ? b != oldAt(i) : i >= lentEnd ? b != newAt(i) : b != oldAt(i) && b != newAt(i)) {
                fail("byte " + i + " is " + b + " (old " + oldAt(i) + ", new " + newAt(i) + "; read before the change "
                        + run.head + ", lent at most up to " + lentEnd + ")");
            }
        }
    }

    /** Writes the new content over the whole file, in place. */
    private void rewrite() throws IOException {
        try (FileChannel fc = FileChannel.open(file, StandardOpenOption.WRITE)) {
            FileTransferTest.write(fc, SIZE, FileChangedWhileLentTest::newAt);
        }
    }

    /** What the reader got: the region's bytes, and the trailer's word on the write. */
    private static final class Received {
        final byte[] bytes;
        final long length;
        final boolean succeeded;

        /** {@code failedAfter}: the region's count when its write failed (the channel closed: no trailer), or -1. */
        Received(byte[] bytes, int total, long failedAfter) {
            this.bytes = bytes;
            long transferred;
            if (failedAfter >= 0) {
                succeeded = false;
                transferred = failedAfter;
                length = total;
            } else {
                assertTrue(total >= TRAILER, "a trailer after the region: " + total + " bytes");
                ByteBuffer trailer = ByteBuffer.wrap(bytes, total - TRAILER, TRAILER);
                assertEquals(TRAILER_MAGIC, trailer.getLong(), "the trailer follows the region's bytes");
                succeeded = trailer.get() == 1;
                transferred = trailer.getLong();
                length = total - TRAILER;
            }
            assertEquals(transferred, length, "the region's bytes received are those the server counted");
        }

        byte at(long i) {
            return bytes[(int) i];
        }
    }

    /**
     * One connection: the server's side sends the file and the trailer; the reader has read {@link #HEAD} bytes and
     * stopped, and the sender has stalled ({@link #stalledAt} bytes taken by the socket). The test changes the file
     * and calls {@link #finish()}.
     */
    private final class Run {
        private final CompletableFuture<Channel> child = new CompletableFuture<>();
        private final CompletableFuture<Throwable> written = new CompletableFuture<>();
        private volatile long failedAfter = -1;
        private final Channel server;
        private final Socket socket;
        private final InputStream in;
        private final byte[] bytes = new byte[SIZE + TRAILER];
        private int total;
        final long head;
        final long stalledAt;

        Run() throws Exception {
            server = new ServerBootstrap().group(group).channel(GetBufServerSocketChannel.class)
                    .childOption(GetBufChannelOption.FILE_STRATEGY, GetBufFileStrategy.GET_BUF)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) throws IOException {
                            child.complete(ctx.channel());
                            FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
                            DefaultFileRegion region = new DefaultFileRegion(fc, 0, SIZE);
                            ctx.writeAndFlush(region).addListener(f -> {
                                failedAfter = f.isSuccess() ? -1 : region.transferred();
                                written.complete(f.cause());
                                if (!f.isSuccess()) {
                                    return; // the channel closed: nothing may follow a region cut short
                                }
                                ByteBuf trailer = ctx.alloc().buffer(TRAILER).writeLong(TRAILER_MAGIC)
                                        .writeByte(1).writeLong(region.transferred());
                                ctx.writeAndFlush(trailer).addListener(ChannelFutureListener.CLOSE);
                            });
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            socket = new Socket();
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            socket.connect(server.localAddress());
            in = socket.getInputStream();
            while (total < HEAD) {
                int n = in.read(bytes, total, HEAD - total);
                assertTrue(n > 0, "the sender went away after " + total + " bytes");
                total += n;
            }
            head = total;
            stalledAt = stall(child.get(10, TimeUnit.SECONDS));
            if (GetBuf.isGetBufSupported()) {
                // what this test is about: the file's pages are lent while it changes
                LentPages.Counters now = LentPages.counters();
                assertTrue(now.pages > providerBefore.pages, "pages are lent: " + now + " (before " + providerBefore
                        + ')');
            }
        }

        /**
         * Waits until the socket takes no more of the file (full buffers both sides: the count has not moved for
         * {@link #STALLED_POLLS} polls in a row, so that a sender the machine merely did not schedule is not taken
         * for a stalled one); returns what it took.
         */
        private long stall(Channel ch) throws Exception {
            GetBufSocketChannel c = (GetBufSocketChannel) ch;
            GetBufFileStrategy used = FileTransferTest.effective(GetBufFileStrategy.GET_BUF);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            long last = -1;
            int unchanged = 0;
            while (unchanged < STALLED_POLLS) {
                assertTrue(System.nanoTime() < deadline, "the sender did not stall: " + last + " bytes by " + used);
                Thread.sleep(200);
                long now = c.eventLoop().submit(() -> c.fileSendStats().bytes(used)).get();
                unchanged = now == last && now > head ? unchanged + 1 : 0;
                last = now;
            }
            assertTrue(last < SIZE - (4 << 20), "the sender stalled far from the end: " + last + " of " + SIZE);
            return last;
        }

        /** Reads to the end (each read bounded), closes everything, and returns what came. */
        Received finish() throws Exception {
            try {
                int n;
                while ((n = in.read(bytes, total, bytes.length - total)) > 0) {
                    total += n;
                }
                assertEquals(-1, in.read(), "nothing after the trailer");
                written.get(10, TimeUnit.SECONDS); // the region's write ended
                return new Received(bytes, total, failedAfter);
            } finally {
                socket.close();
                server.close().sync();
            }
        }

        /** How far the transfer can have lent pages when it stalled: a chain of GET_BUFs past what the socket took. */
        long lentEnd() {
            return stalledAt + (long) GetBufStrategy.DEPTH * new GetBufIoHandlerConfig().fileChunkSize();
        }

        Throwable writeCause() throws Exception {
            return written.get(10, TimeUnit.SECONDS);
        }
    }
}
