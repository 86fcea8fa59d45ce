/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loop's cache of read-only file mappings ({@link FileMappings}) that {@link GetBufFiles#read} reads share with
 * GET_BUF: every byte Java reads is the file's byte at that offset, across window boundaries and files, after a file
 * is replaced by a rename or rewritten in place; reads reuse windows (counted); idle windows go within seconds, and at
 * once when the loop ends; a window stays mapped while a buffer in it, or an NIO view of a released one, can read it.
 * With GET_BUF (kernel/vm/java-tests, which requires it) the buffers are {@link GetBufFiles#read}'s; on a stock kernel
 * the test makes the same buffers itself from empty slots and the loop's cache. The cache is also driven directly.
 */
@GetBufTest(warmUp = false)
@Timeout(300)
class FileMappingsTest {
    private static final int WINDOW = (int) FileMappings.WINDOW;
    private static final int SIZE = 2 * WINDOW + WINDOW / 2 + 4097;

    @TempDir
    static Path dir;
    private static EventLoopGroup group;

    @BeforeAll
    static void setUp() throws IOException {
        GetBufAssumptions.assumeRegisteredBuffers();
        LentPages.requireGetBufWhereAsked();
        group = Fixtures.getbuf(1, new GetBufIoHandlerConfig().setRegisteredBuffers(2 + 32)
                .setFileChunks(2, 64 * 1024));
    }

    @AfterAll
    static void tearDown() throws Exception {
        Fixtures.shutdown(group);
    }

    private static boolean lends() {
        return GetBuf.isGetBufSupported();
    }

    /** A file of {@code SIZE} random bytes (its own seed: no two files alike). */
    private static byte[] randomFile(Path f, long seed) throws IOException {
        byte[] bytes = new byte[SIZE];
        new Random(seed).nextBytes(bytes);
        Files.write(f, bytes);
        return bytes;
    }

    private static void assertBytes(byte[] want, long offset, int length, ByteBuf buf, String what) {
        int expected = (int) Math.max(0, Math.min(length, want.length - offset));
        assertEquals(expected, buf.readableBytes(), what);
        byte[] got = new byte[expected];
        buf.getBytes(buf.readerIndex(), got);
        int mismatch = ByteBuffer.wrap(got).mismatch(ByteBuffer.wrap(want, (int) Math.min(offset, want.length),
                expected));
        if (mismatch >= 0) {
            throw new AssertionError(what + ": byte " + (offset + mismatch) + " differs");
        }
    }

    /**
     * {@link GetBufFiles#read} where GET_BUF lends pages. Elsewhere the buffer that read would make from lent pages,
     * made here from an empty slot and a mapping of the loop's cache (the path a GET_BUF's completion takes), so that
     * the cache is tested on any kernel.
     */
    private static ByteBuf read(EventLoop loop, Path f, long offset, int length) throws Exception {
        if (lends()) {
            return GetBufFiles.read(loop, f, offset, length).get(10, TimeUnit.SECONDS);
        }
        GetBufIoHandler handler = GetBufIoHandler.handlerOf(loop);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            ByteBuf buf = onLoop(loop, () -> {
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                    int n = (int) Math.max(0, Math.min(length, ch.size() - offset));
                    if (n == 0) {
                        return Unpooled.EMPTY_BUFFER;
                    }
                    RegisteredBufferTable table = handler.fileStrategies().table();
                    assertTrue(table.ensureRegistered(), "a table: " + table.failure());
                    int slot = table.takeEmptySlot(null);
                    if (slot < 0) {
                        return null; // a released buffer's slot is emptied at the loop's next iteration
                    }
                    FileMappings.Mapping m = handler.fileReads().mappings().map(Native.fileChannelFd(ch), offset, n);
                    return (ByteBuf) new LentFileByteBuf(table, loop, slot, m, m.addressOf(offset), n);
                }
            });
            if (buf != null) {
                return buf;
            }
            assertTrue(System.nanoTime() - deadline < 0, "no slot came back in 10 s");
            Thread.sleep(1);
        }
    }

    private static long reused(EventLoop loop) {
        return GetBufIoHandler.fileSendStats(loop).readMappingsReused();
    }

    private static long readFixedReads(EventLoop loop) {
        return GetBufIoHandler.fileSendStats(loop).reads(GetBufFileStrategy.READ_FIXED);
    }

    private static long created(EventLoop loop) {
        return GetBufIoHandler.fileSendStats(loop).readMappingsCreated();
    }

    private static int cachedWindows(EventLoop loop) throws Exception {
        GetBufIoHandler handler = GetBufIoHandler.handlerOf(loop);
        return loop.submit(() -> handler.fileReads().mappings().windows()).get(10, TimeUnit.SECONDS);
    }

    /** Mappings of {@code f} in this process ({@code /proc/self/maps}), deleted or not. */
    static int mappingsOf(Path f) throws IOException {
        String name = f.toAbsolutePath().toString();
        int n = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            if (line.endsWith(" " + name) || line.endsWith(" " + name + " (deleted)")) {
                n++;
            }
        }
        return n;
    }

    /**
     * 1,000 reads of three files at random offsets and lengths (most within a window, some across windows, larger
     * than one or past the end), up to 12 held at once and released in random order, some with NIO views read after
     * release: every byte checked; most reads reuse a window. Reads the ring's limit on lent pages sent to READ_FIXED
     * (up to 12 buffers of up to 4 MiB are held) have no mapping.
     */
    @Test
    void randomReadsOfSeveralFilesAreByteExactAndReuseWindows() throws Exception {
        EventLoop loop = group.next();
        LentPages.Counters before = LentPages.counters();
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Path[] files = new Path[3];
        byte[][] bytes = new byte[files.length][];
        for (int i = 0; i < files.length; i++) {
            files[i] = dir.resolve("random-" + i);
            bytes[i] = randomFile(files[i], seed + i);
        }
        long reusedBefore = reused(loop);
        long createdBefore = created(loop);
        List<ByteBuf> held = new ArrayList<>();
        List<ByteBuffer> views = new ArrayList<>();
        List<long[]> viewOf = new ArrayList<>(); // file, offset
        int reads = 1000;
        int empty = 0;
        int readFixed = 0; // GET_BUFs refused for the ring's limit on lent pages read by READ_FIXED: no mapping
        long readFixedSoFar = readFixedReads(loop);
        for (int k = 0; k < reads; k++) {
            int file = random.nextInt(files.length);
            int r = random.nextInt(100);
            long offset;
            int length;
            if (r < 3) { // at or past the end
                offset = SIZE + random.nextInt(100);
                length = 1 + random.nextInt(100);
            } else if (r < 5) { // larger than a window
                offset = random.nextInt(SIZE);
                length = WINDOW + random.nextInt(WINDOW);
            } else if (r < 20) { // near a window's end, often across it
                offset = (1 + random.nextInt(SIZE / WINDOW)) * (long) WINDOW - 1 - random.nextInt(64 * 1024);
                length = 1 + random.nextInt(128 * 1024);
            } else {
                offset = random.nextInt(SIZE);
                length = 1 + random.nextInt(64 * 1024);
            }
            String what = "seed " + seed + ", read " + k + ": file " + file + ", " + length + " bytes at " + offset;
            ByteBuf buf = read(loop, files[file], offset, length);
            assertBytes(bytes[file], offset, length, buf, what);
            long readFixedNow = readFixedReads(loop);
            if (!buf.isReadable()) {
                empty++;
            } else if (readFixedNow != readFixedSoFar) {
                readFixed++;
            } else if (random.nextInt(20) == 0) {
                views.add(buf.nioBuffer());
                viewOf.add(new long[] {file, offset});
            }
            readFixedSoFar = readFixedNow;
            held.add(buf);
            while (held.size() > random.nextInt(13)) {
                held.remove(random.nextInt(held.size())).release();
            }
        }
        held.forEach(ByteBuf::release);
        for (int i = 0; i < views.size(); i++) {
            ByteBuffer v = views.get(i);
            byte[] want = bytes[(int) viewOf.get(i)[0]];
            int offset = (int) viewOf.get(i)[1];
            assertEquals(-1, v.mismatch(ByteBuffer.wrap(want, offset, v.remaining())),
                    "seed " + seed + ": an NIO view read after its buffer was released");
        }
        long r = reused(loop) - reusedBefore;
        long c = created(loop) - createdBefore;
        assertEquals(reads - empty - readFixed, r + c, "every read of lent bytes reused or created a mapping: "
                + GetBufIoHandler.fileSendStats(loop));
        assertTrue(r > reads / 2, "most reads reuse a window: " + r + " reused, " + c + " created");
        LentPages.assertSlotsEmpty(group);
        LentPages.assertGivenBack(before, lends() ? reads - empty : 0);
    }

    /**
     * A file replaced by a rename is a new inode: reads show the new file, not the old one's cached window. A file
     * rewritten in place, or truncated and written again, keeps its inode and its window, which shows the page cache:
     * the new bytes, as a fresh mapping would.
     */
    @Test
    void aReplacedOrRewrittenFileShowsItsNewBytes() throws Exception {
        EventLoop loop = group.next();
        Path f = dir.resolve("replaced");
        byte[] first = randomFile(f, 1);
        long offset = WINDOW + 12_345;
        int length = 100_000;
        ByteBuf buf = read(loop, f, offset, length);
        assertBytes(first, offset, length, buf, "the first file");
        buf.release();

        // a buffer held in the window keeps it cached however long this takes (idle windows go)
        ByteBuf oldPin = read(loop, f, WINDOW, 10);
        Path next = dir.resolve("replaced.next");
        byte[] second = randomFile(next, 2);
        Files.move(next, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        buf = read(loop, f, offset, length);
        assertBytes(second, offset, length, buf, "the file that replaced it by a rename");
        buf.release();
        assertBytes(first, WINDOW, 10, oldPin, "a buffer of the replaced file");
        oldPin.release();

        ByteBuf pin = read(loop, f, WINDOW, 10);
        long reusedBefore = reused(loop);
        byte[] third = new byte[SIZE];
        new Random(3).nextBytes(third);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(third);
            while (b.hasRemaining()) {
                ch.write(b, b.position());
            }
        }
        buf = read(loop, f, offset, length);
        assertBytes(third, offset, length, buf, "the file rewritten in place");
        buf.release();
        assertEquals(reusedBefore + 1, reused(loop), "the rewritten file's window was reused");
        pin.release();

        byte[] fourth = new byte[SIZE];
        new Random(4).nextBytes(fourth);
        Files.write(f, fourth); // truncated, then written: the same inode
        buf = read(loop, f, offset, length);
        assertBytes(fourth, offset, length, buf, "the file truncated and written again");
        buf.release();
        LentPages.assertSlotsEmpty(group);
    }

    /**
     * Windows nobody uses go within two sweeps (about 2 s), those in use stay, and a deleted file's windows no longer
     * keep it: the process has no mapping of it left.
     */
    @Test
    void idleWindowsGoAndWindowsInUseStay() throws Exception {
        EventLoop loop = group.next();
        Path f = dir.resolve("idle");
        byte[] bytes = randomFile(f, 5);
        Path name = f.toAbsolutePath();
        ByteBuf kept = read(loop, f, 10, 1000);
        ByteBuf b1 = read(loop, f, WINDOW + 1, 5000);
        ByteBuf b2 = read(loop, f, 2L * WINDOW + 5, 5000);
        assertEquals(3, mappingsOf(name), "three windows mapped");
        assertTrue(cachedWindows(loop) >= 3);
        b1.release();
        b2.release();
        Files.delete(f); // the windows keep the file until they go
        assertTrue(TestSupport.await(() -> uncheckedMappingsOf(name) <= 1, 10), "idle windows went: "
                + mappingsOf(name) + " mapped");
        Thread.sleep(3 * FileMappings.SWEEP_MILLIS);
        assertEquals(1, mappingsOf(name), "the window of a buffer still held stays mapped");
        assertBytes(bytes, 10, 1000, kept, "a buffer read after its window outlived two sweeps");
        kept.release();
        assertTrue(TestSupport.await(() -> uncheckedMappingsOf(name) == 0, 10), "no mapping of the deleted file: "
                + mappingsOf(name));
        assertTrue(TestSupport.await(() -> {
            try {
                return cachedWindows(loop) == 0;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, 10), "the cache is empty");
        LentPages.assertSlotsEmpty(group);
    }

    private static int uncheckedMappingsOf(Path f) {
        try {
            return mappingsOf(f);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * An NIO view of a released buffer keeps its window mapped (through the cleaner) after the cache dropped the window
     * and after the loop ended: it still reads the file; once the view is unreachable the window goes.
     */
    @Test
    void anNioViewKeepsItsWindowPastSweepsAndTheLoopsEnd() throws Exception {
        EventLoopGroup own = Fixtures.getbuf(1, new GetBufIoHandlerConfig().setRegisteredBuffers(2 + 4)
                .setFileChunks(2, 64 * 1024));
        Path f = dir.resolve("viewed");
        byte[] bytes = randomFile(f, 6);
        Path name = f.toAbsolutePath();
        ByteBuffer view;
        try {
            EventLoop loop = own.next();
            ByteBuf b = read(loop, f, 60_000, 50_000);
            view = viewOfReleased(loop, f, 100, 50_000); // the same window
            assertBytes(bytes, 60_000, 50_000, b, "a read sharing the window");
            b.release();
            assertEquals(1, mappingsOf(name), "one window for both");
            assertEquals(1, reused(loop), "the second read reused it");
            Thread.sleep(3 * FileMappings.SWEEP_MILLIS); // the sweeps must leave it: the view's reference holds it
        } finally {
            Fixtures.shutdown(own); // and so must the loop's end
        }
        assertEquals(1, mappingsOf(name), "the view keeps the window mapped");
        assertEquals(-1, view.mismatch(ByteBuffer.wrap(bytes, 100, 50_000)), "the view reads the file");
        view = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (mappingsOf(name) > 0 && System.nanoTime() - deadline < 0) {
            System.gc();
            Thread.sleep(100);
        }
        assertEquals(0, mappingsOf(name), "the cleaner unmapped the window once the view was gone");
    }

    /** An NIO view of a buffer read and released here (so that no frame of the caller keeps the buffer). */
    private static ByteBuffer viewOfReleased(EventLoop loop, Path f, long offset, int length) throws Exception {
        ByteBuf a = read(loop, f, offset, length);
        ByteBuffer view = a.nioBuffer();
        a.release();
        return view;
    }

    /**
     * The cache driven directly with mappings of its own (any kernel): windows are reused per file and window, a range
     * across windows gets its own mapping, the least recently used window goes past the cap (a window still referenced
     * stays mapped until released), and closing lets go of every window.
     */
    @Test
    void theCacheReusesWindowsCapsThemAndClosesOnAnyKernel() throws Exception {
        EventLoop loop = group.next();
        Path f = dir.resolve("direct");
        int windows = FileMappings.MAX_WINDOWS + 1;
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {42}), (long) windows * WINDOW); // sparse, a window each
            int fd = Native.fileChannelFd(ch);
            GetBufFileSendStats stats = new GetBufFileSendStats();
            FileMappings cache = new FileMappings(loop, stats);
            onLoop(loop, () -> {
                FileMappings.Mapping a = cache.map(fd, 5, 100);
                FileMappings.Mapping b = cache.map(fd, WINDOW - 100, 100);
                assertTrue(a == b, "one window");
                FileMappings.Mapping across = cache.map(fd, WINDOW - 100, 101);
                assertTrue(across != a, "a range across windows has its own mapping");
                assertEquals(1, stats.readMappingsReused());
                assertEquals(2, stats.readMappingsCreated());
                assertEquals(1, cache.windows());
                assertEquals(2, mappingsOf(f), "the window and the range's own");
                across.release();
                b.release();
                assertEquals(1, mappingsOf(f), "an own mapping goes with its last reference");
                // a is still held: past the cap it leaves the cache, not the address space
                for (int w = 1; w < windows; w++) {
                    cache.map(fd, (long) w * WINDOW, 10).release();
                }
                assertEquals(FileMappings.MAX_WINDOWS, cache.windows(), "capped");
                assertEquals(windows, mappingsOf(f), "the held window is still mapped");
                assertEquals(0, Native.directBuffer(a.addressOf(5), 100).get(99), "and readable (a hole)");
                a.release();
                assertEquals(FileMappings.MAX_WINDOWS, mappingsOf(f), "the evicted window went with its buffer");
                long created = stats.readMappingsCreated();
                cache.map(fd, 5, 100).release();
                assertEquals(created + 1, stats.readMappingsCreated(), "the least recently used window was evicted");
                cache.close();
                assertEquals(0, mappingsOf(f), "closing let go of every window");
                FileMappings.Mapping own = cache.map(fd, 5, 100);
                assertEquals(0, cache.windows(), "a closed cache keeps nothing");
                own.release();
                assertEquals(0, mappingsOf(f));
                return null;
            });
        }
    }

    private static <T> T onLoop(EventLoop loop, Callable<T> task) throws Exception {
        return loop.submit(task).get(10, TimeUnit.SECONDS);
    }
}
