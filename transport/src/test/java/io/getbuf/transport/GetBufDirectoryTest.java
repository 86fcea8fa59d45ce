/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.FdSnapshot;
import io.netty.channel.DefaultFileRegion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link GetBufDirectory}: what opens beneath a directory, what is refused and why, and that the fstat seen is the
 * opened file's; each test runs with openat2 and with the openat walk used on kernels without it
 * ({@code -Dio.getbuf.transport.openat2=false} when the directory is opened). Descriptors return to their count.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GetBufDirectoryTest {
    private static final String HELLO = "hello\n";
    private static final String SECRET = "outside\n";

    @TempDir
    Path tmp;
    private Path root;
    private Path outside;
    private FdSnapshot fdsBefore;

    @BeforeEach
    void site() throws Exception {
        root = Files.createDirectories(tmp.resolve("root"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("x"), SECRET);
        Files.writeString(root.resolve("hello.txt"), HELLO);
        Path sub = Files.createDirectories(root.resolve("sub"));
        Files.writeString(sub.resolve("in.txt"), "in sub\n");
        Files.createDirectories(sub.resolve("deeper"));
        Files.createSymbolicLink(root.resolve("rel-link"), Path.of("hello.txt"));
        Files.createSymbolicLink(sub.resolve("up-link"), Path.of("../hello.txt"));
        Files.createSymbolicLink(root.resolve("abs-link"), root.resolve("hello.txt"));
        Files.createSymbolicLink(root.resolve("out-rel"), Path.of("../outside/x"));
        Files.createSymbolicLink(root.resolve("out-dir"), outside);
        Files.createSymbolicLink(root.resolve("loop"), Path.of("loop"));
        Process p = new ProcessBuilder("mkfifo", root.resolve("fifo").toString()).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo");
        p.getInputStream().close();
        p.getErrorStream().close();
        p.getOutputStream().close();
        fdsBefore = FdSnapshot.take();
    }

    @AfterEach
    void descriptorsBack() throws Exception {
        // the descriptors this test opened, not a count: another's closing meanwhile must not fail it
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!FdSnapshot.take().newSince(fdsBefore).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(java.util.Map.of(), FdSnapshot.take().newSince(fdsBefore), "descriptors left open");
    }

    private GetBufDirectory open(boolean openat2) throws IOException {
        if (openat2) {
            assumeTrue(GetBufDirectory.isOpenat2Supported(), "no openat2 on this kernel");
        }
        String old = System.setProperty(GetBufDirectory.OPENAT2_PROPERTY, Boolean.toString(openat2));
        try {
            GetBufDirectory d = GetBufDirectory.open(root);
            assertEquals(openat2, d.usesOpenat2());
            return d;
        } finally {
            if (old == null) {
                System.clearProperty(GetBufDirectory.OPENAT2_PROPERTY);
            } else {
                System.setProperty(GetBufDirectory.OPENAT2_PROPERTY, old);
            }
        }
    }

    private static String read(GetBufOpenFile f) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) f.size());
        while (b.hasRemaining() && f.channel().read(b, b.position()) > 0) {
            // positional reads: the descriptor's offset is never used
        }
        return new String(b.array(), 0, b.position(), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static GetBufOpenException.Kind refusal(GetBufDirectory d, String path, boolean follow) {
        return assertThrows(GetBufOpenException.class, () -> d.open(path, follow).close(), path).kind();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aFileIsOpenedWithTheStatOfWhatWasOpened(boolean openat2) throws Exception {
        Path hello = root.resolve("hello.txt");
        Files.setLastModifiedTime(hello, FileTime.fromMillis(1_700_000_000_123L));
        try (GetBufDirectory d = open(openat2); GetBufOpenFile f = d.open("hello.txt", false)) {
            assertTrue(f.isRegularFile());
            assertEquals(HELLO.length(), f.size());
            assertEquals(1_700_000_000_123_000_000L, f.lastModifiedNanos());
            assertEquals(((Number) Files.getAttribute(hello, "unix:ino")).longValue(), f.inode());
            assertEquals(HELLO, read(f));
            assertEquals(hello.toRealPath(), f.realPath());
            // what a FileRegion is made of
            DefaultFileRegion region = new DefaultFileRegion(f.channel(), 1, 3);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            region.transferTo(Channels.newChannel(out), 0);
            assertEquals("ell", out.toString());
            try (GetBufOpenFile again = d.open("sub/../hello.txt", false)) {
                assertTrue(again.isSameVersion(f));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void directoriesOpenAndList(boolean openat2) throws Exception {
        try (GetBufDirectory d = open(openat2); GetBufOpenFile top = d.open("", false);
             GetBufOpenFile sub = d.open("sub", false)) {
            assertTrue(top.isDirectory());
            assertTrue(sub.isDirectory());
            List<String> names = new ArrayList<>(sub.list());
            names.sort(null);
            assertEquals(List.of("deeper/", "in.txt", "up-link"), names);
            assertTrue(top.list().contains("sub/"));
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void symlinksAreRefusedUnlessFollowedAndThenStayBeneath(boolean openat2) throws Exception {
        try (GetBufDirectory d = open(openat2)) {
            for (String link : List.of("rel-link", "sub/up-link", "abs-link", "out-rel", "out-dir/x", "loop")) {
                assertEquals(GetBufOpenException.Kind.SYMLINK, refusal(d, link, false), link);
            }
            try (GetBufOpenFile f = d.open("rel-link", true); GetBufOpenFile g = d.open("sub/up-link", true)) {
                assertEquals(HELLO, read(f));
                assertEquals(HELLO, read(g));
            }
            for (String out : List.of("abs-link", "out-rel", "out-dir/x", "../outside/x", "sub/../../outside/x")) {
                assertEquals(GetBufOpenException.Kind.OUTSIDE, refusal(d, out, true), out);
            }
            assertEquals(GetBufOpenException.Kind.SYMLINK, refusal(d, "loop", true));
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void whatCannotBeFoundOrOpened(boolean openat2) throws Exception {
        try (GetBufDirectory d = open(openat2)) {
            assertEquals(GetBufOpenException.Kind.NOT_FOUND, refusal(d, "missing", false));
            assertEquals(GetBufOpenException.Kind.NOT_FOUND, refusal(d, "hello.txt/x", false));
            assertEquals(GetBufOpenException.Kind.NOT_FOUND, refusal(d, "a".repeat(300), false));
            assertEquals(GetBufOpenException.Kind.OUTSIDE, refusal(d, outside.resolve("x").toString(), true));
            assertEquals(GetBufOpenException.Kind.OTHER, refusal(d, "hello.txt\0.png", false));
            // a FIFO without a writer opens at once (O_NONBLOCK), and says what it is
            try (GetBufOpenFile fifo = d.open("fifo", false)) {
                assertFalse(fifo.isRegularFile());
                assertFalse(fifo.isDirectory());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void refreshSeesATruncationOrADeletion(boolean openat2) throws Exception {
        Path file = root.resolve("hello.txt");
        try (GetBufDirectory d = open(openat2); GetBufOpenFile f = d.open("hello.txt", false)) {
            assertTrue(f.refresh());
            Files.writeString(file, "hi\n"); // truncated and rewritten in place
            assertFalse(f.refresh());
            try (GetBufOpenFile now = d.open("hello.txt", false)) {
                assertFalse(now.isSameVersion(f));
                assertEquals(f.inode(), now.inode());
                assertTrue(now.refresh());
                Files.delete(file);
                assertFalse(now.refresh(), "deleted");
            }
        }
    }

    /**
     * A directory swapped for a symlink to the outside (and back) as fast as the machine goes while paths through it
     * are opened: no open may ever return the outside file.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aRacingSwapNeverLeadsOut(boolean openat2) throws Exception {
        Path real = Files.createDirectories(root.resolve("d-real"));
        Files.writeString(real.resolve("x"), "inside\n");
        Path link = tmp.resolve("link-to-outside");
        Files.createSymbolicLink(link, outside);
        Path d = root.resolve("d");
        Files.move(real, d);
        long outsideInode = ((Number) Files.getAttribute(outside.resolve("x"), "unix:ino")).longValue();
        AtomicBoolean stop = new AtomicBoolean();
        Thread swapper = new Thread(() -> {
            try {
                Path parked = root.resolve("d-parked");
                while (!stop.get()) {
                    Files.move(d, parked, StandardCopyOption.ATOMIC_MOVE);
                    Files.createSymbolicLink(d, outside);
                    Files.delete(d);
                    Files.move(parked, d, StandardCopyOption.ATOMIC_MOVE);
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        swapper.start();
        int opened = 0;
        try (GetBufDirectory dir = open(openat2)) {
            for (int i = 0; i < 20_000; i++) {
                try (GetBufOpenFile f = dir.open("d/x", i % 2 == 0)) {
                    assertNotEquals(outsideInode, f.inode(), "opened the outside file");
                    opened++;
                } catch (GetBufOpenException expected) {
                    // missing for a moment, or the symlink refused
                }
            }
        } finally {
            stop.set(true);
            swapper.join(10_000);
        }
        assertTrue(opened > 0, "never opened d/x");
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aClosedDirectoryOpensNothing(boolean openat2) throws Exception {
        GetBufDirectory d = open(openat2);
        d.close();
        d.close();
        assertThrows(IOException.class, () -> d.open("hello.txt", false));
    }

    /**
     * Once a file is closed its descriptor number goes to the next open: a closed {@link GetBufOpenFile} must answer
     * nothing about that other file (realPath, refresh, list), it must say it is closed.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aClosedFileAnswersNothingAboutTheFileThatGotItsNumber(boolean openat2) throws Exception {
        try (GetBufDirectory d = open(openat2)) {
            GetBufOpenFile closed = d.open("hello.txt", false);
            closed.close();
            try (GetBufOpenFile next = d.open("", false)) { // the root directory, probably under the same number
                assertThrows(java.nio.channels.ClosedChannelException.class, closed::realPath,
                        () -> "a closed file's realPath (the next open file is " + describe(next) + ")");
                assertThrows(java.nio.channels.ClosedChannelException.class, closed::refresh);
                assertThrows(java.nio.channels.ClosedChannelException.class, closed::list);
                assertTrue(next.refresh());
            }
        }
    }

    private static String describe(GetBufOpenFile f) {
        try {
            return f.realPath().toString();
        } catch (IOException e) {
            return e.toString();
        }
    }
}
