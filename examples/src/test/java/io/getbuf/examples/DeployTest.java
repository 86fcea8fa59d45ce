/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a site sees during a deploy, with the server's default options: files replaced by rename (write a temporary
 * file, rename it over the old one) while clients fetch them, and a directory or file swapped for a symlink or a FIFO
 * after the server has seen the path. Every response must be one whole version of the file, and nothing outside the
 * root may be served or block an event loop.
 */
@ExtendWith(NoLeaks.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeployTest {
    private static final long LOAD_MILLIS = 4000;
    private static final int CLIENTS = 4;
    private static final int MIN_SIZE = 4096;
    private static final int SIZE_SPREAD = 65536;

    @TempDir
    Path dir;
    private TestServer.Handle server;

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.server.stop();
        }
    }

    /** Version {@code v} of a file: its number in the first 8 bytes, then bytes only it has; sizes differ. */
    static byte[] version(long v) {
        byte[] b = new byte[MIN_SIZE + (int) (v * 7919 % SIZE_SPREAD)];
        new SplittableRandom(v).nextBytes(b);
        ByteBuffer.wrap(b).putLong(0, v);
        return b;
    }

    /** Writes version {@code v} beside {@code file} under a hidden name and renames it over the file. */
    static void deploy(Path file, long v) throws IOException {
        Path tmp = file.resolveSibling(".deploy-" + file.getFileName() + '-' + v);
        Files.write(tmp, version(v));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }

    /** With the default cache time, and a short one that makes entries expire many times during the run. */
    @ParameterizedTest
    @ValueSource(ints = {ServerOptions.DEFAULT_CACHE_MILLIS, 50})
    void aRenameDeployServesEveryResponseWholeFromOneVersion(int cacheMillis) throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path file = root.resolve("app.bin");
        deploy(file, 1);
        server = TestServer.start(root, "--transport", "getbuf", "--cache-ms", Integer.toString(cacheMillis));
        InetSocketAddress address = server.server.address();
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LOAD_MILLIS);
        Map<Long, byte[]> versions = new ConcurrentHashMap<>();
        Map<String, Long> versionOfEtag = new ConcurrentHashMap<>();
        List<String> wrong = new CopyOnWriteArrayList<>();
        AtomicLong responses = new AtomicLong();
        AtomicInteger deployed = new AtomicInteger(1);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            threads.add(new Thread(() -> {
                while (System.nanoTime() - end < 0 && wrong.size() < 20) {
                    try (Socket s = new Socket(address.getAddress(), address.getPort())) {
                        s.setSoTimeout(10_000);
                        InputStream in = new BufferedInputStream(s.getInputStream());
                        OutputStream out = s.getOutputStream();
                        while (System.nanoTime() - end < 0 && wrong.size() < 20) {
                            out.write("GET /app.bin HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                            RawResponse r = RawResponse.read(in, false);
                            responses.incrementAndGet();
                            String problem = check(r, versions, versionOfEtag);
                            if (problem != null) {
                                wrong.add(problem);
                                break; // the connection may be out of step
                            }
                        }
                    } catch (IOException e) {
                        wrong.add("client: " + e);
                    }
                }
            }, "deploy-client-" + c));
        }
        threads.forEach(Thread::start);
        SplittableRandom pause = new SplittableRandom(7);
        while (System.nanoTime() - end < 0) {
            deploy(file, deployed.incrementAndGet());
            Thread.sleep(5 + pause.nextInt(40));
        }
        for (Thread t : threads) {
            t.join(20_000);
        }
        assertEquals(List.of(), wrong.subList(0, Math.min(5, wrong.size())),
                wrong.size() + " of " + responses + " responses wrong over " + deployed + " deploys");
        assertTrue(responses.get() > 100, "too few responses to mean anything: " + responses);
    }

    /** Null when {@code r} is a whole version with the length and ETag of that version, else what is wrong. */
    private static String check(RawResponse r, Map<Long, byte[]> versions, Map<String, Long> versionOfEtag) {
        if (r == null) {
            return "the connection closed before a response";
        }
        if (r.status != 200) {
            return "status " + r;
        }
        if (!r.complete) {
            return "cut short: " + r;
        }
        if (r.body.length < 8) {
            return "too short for a version: " + r;
        }
        long v = ByteBuffer.wrap(r.body).getLong(0);
        byte[] expected = versions.computeIfAbsent(v, DeployTest::version);
        if (!Arrays.equals(expected, r.body)) {
            return "bytes of no version (" + r.body.length + " bytes starting as version " + v + ", which has "
                    + expected.length + "): " + r;
        }
        Long named = versionOfEtag.putIfAbsent(r.header("ETag"), v);
        if (named != null && named != v) {
            return "ETag " + r.header("ETag") + " named version " + named + " and now " + v;
        }
        return null;
    }

    @Test
    void aDirectorySwappedForASymlinkAfterA304DoesNotLeadOutOfTheRoot() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(Files.createDirectories(root.resolve("up")).resolve("x"), "inside\n");
        Files.writeString(outside.resolve("x"), TestSite.SECRET);
        server = TestServer.start(root, "--transport", "getbuf");
        try (HttpTestClient client = HttpTestClient.connect(server.server.address())) {
            var conditional = client.get("/up/x");
            conditional.headers().set("If-None-Match", "*");
            assertEquals(304, client.exchange(conditional).status);
            Files.move(root.resolve("up"), root.resolve("up-old"));
            Files.createSymbolicLink(root.resolve("up"), outside);
            HttpTestClient.Response r = client.exchange(client.get("/up/x"));
            // within the cache time the file seen before may still be served (it is beneath the root, in up-old/)
            assertTrue(r.status != 200 || r.text().equals("inside\n"), () -> "not the file beneath the root: " + r
                    + ' ' + r.text());
            Thread.sleep(ServerOptions.DEFAULT_CACHE_MILLIS + 100);
            HttpTestClient.Response later = client.exchange(client.get("/up/x"));
            assertFalse(later.text().contains(TestSite.SECRET), () -> "served from outside the root: " + later);
            assertNotEquals(200, later.status, later::toString);
        }
    }

    @Test
    void aFileSwappedForAFifoAfterA304DoesNotBlockAnEventLoop() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(root.resolve("f.txt"), "a file\n");
        Files.writeString(root.resolve("other.txt"), "other\n");
        Path fifo = root.resolve("f.txt");
        server = TestServer.start(root, "--transport", "getbuf");
        try {
            try (HttpTestClient client = HttpTestClient.connect(server.server.address())) {
                var conditional = client.get("/f.txt");
                conditional.headers().set("If-None-Match", "*");
                assertEquals(304, client.exchange(conditional).status);
            }
            Path tmp = root.resolve(".fifo-tmp");
            TestSite.mkfifo(tmp);
            Files.move(tmp, fifo, StandardCopyOption.ATOMIC_MOVE);
            try (HttpTestClient client = HttpTestClient.connect(server.server.address())) {
                HttpTestClient.Response r = client.exchange(client.get("/f.txt"));
                // within the cache time the file seen before may still be served: the old regular file
                assertTrue(r.status != 200 || r.text().equals("a file\n"), r::toString);
            }
            try (HttpTestClient client = HttpTestClient.connect(server.server.address())) {
                assertEquals("other\n", client.exchange(client.get("/other.txt")).text());
            }
            Thread.sleep(ServerOptions.DEFAULT_CACHE_MILLIS + 100);
            try (HttpTestClient client = HttpTestClient.connect(server.server.address())) {
                HttpTestClient.Response r = client.exchange(client.get("/f.txt"));
                assertEquals(403, r.status, r::toString);
                assertEquals(null, r.header("ETag"), "a refusal names no version");
                assertEquals("other\n", client.exchange(client.get("/other.txt")).text());
            }
        } finally {
            // a loop blocked in open(2) of the FIFO is let go by a writer; O_NONBLOCK: no reader, no wait
            Process p = new ProcessBuilder("dd", "if=/dev/null", "of=" + fifo, "oflag=nonblock")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor(5, TimeUnit.SECONDS);
            p.getOutputStream().close();
        }
    }
}
