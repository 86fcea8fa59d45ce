/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The limits against hostile or broken clients, each set small by its option: a request head trickled in a byte at a
 * time (slowloris) or never sent, an idle keep-alive connection, a reader that stops reading, more connections than
 * allowed, the process out of file descriptors, a client pipelining far more than it reads, and an access log whose
 * output is stuck. Each is bounded in time here; none may block a loop or hold a connection past its limit.
 */
@ExtendWith(NoLeaks.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LimitsTest {
    private static final String GET_HELLO = "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n";

    @TempDir
    Path dir;
    private TestServer.Handle server;

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.server.stop();
        }
    }

    private TestSite start(String... options) throws Exception {
        TestSite site = TestSite.create(dir);
        List<String> args = new ArrayList<>(List.of("--transport", "getbuf"));
        args.addAll(List.of(options));
        server = TestServer.start(site.root, args.toArray(new String[0]));
        return site;
    }

    private Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", server.server.address().getPort());
        s.setSoTimeout(10_000);
        return s;
    }

    /** Reads until the server closes; what it sent (at most 64 KiB kept). */
    private static String readUntilClosed(InputStream in) throws IOException {
        StringBuilder text = new StringBuilder();
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                if (text.length() < 65536) {
                    text.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                }
            }
        } catch (SocketException reset) {
            // closed with a reset: closed all the same
        }
        return text.toString();
    }

    @Test
    void aHeadTrickledInAByteAtATimeIsCutOffAtTheHeaderTimeout() throws Exception {
        start("--header-timeout-ms", "500");
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            long start = System.nanoTime();
            String head = "GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(100);
            Thread writer = new Thread(() -> {
                try {
                    for (char c : head.toCharArray()) {
                        out.write(c);
                        out.flush();
                        Thread.sleep(50);
                    }
                } catch (IOException | InterruptedException closed) {
                    // the server closed the connection: what this test wants
                }
            });
            writer.start();
            String answer = readUntilClosed(s.getInputStream());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            writer.interrupt();
            writer.join(5000);
            assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
            assertTrue(millis >= 400 && millis < 3000, "closed after " + millis + " ms");
        }
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAtTheHeaderTimeout() throws Exception {
        start("--header-timeout-ms", "300");
        try (Socket s = connect()) {
            long start = System.nanoTime();
            String answer = readUntilClosed(s.getInputStream());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
            assertTrue(millis >= 200 && millis < 3000, "closed after " + millis + " ms");
        }
        assertTrue(waitFor(() -> server.server.connections() == 0), "connections " + server.server.connections());
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAtTheKeepAliveTimeoutButNotWhileAnswering() throws Exception {
        start("--keepalive-timeout-ms", "300", "--header-timeout-ms", "5000");
        try (Socket s = connect()) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            for (int i = 0; i < 3; i++) { // requests 200 ms apart keep it open
                s.getOutputStream().write(GET_HELLO.getBytes(StandardCharsets.US_ASCII));
                assertEquals(200, RawResponse.read(in, false).status);
                Thread.sleep(200);
            }
            long start = System.nanoTime();
            assertNull(RawResponse.read(in, false), "closed without a response");
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis < 3000, "closed after " + millis + " ms");
        }
    }

    @Test
    void aReaderThatStopsReadingIsDroppedAtTheSendTimeout() throws Exception {
        TestSite site = start("--send-timeout-ms", "500");
        Files.write(site.root.resolve("huge.bin"), new byte[64 * 1024 * 1024]);
        try (Socket s = connect()) {
            s.setReceiveBufferSize(4096);
            s.getOutputStream().write("GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            Thread.sleep(1500); // read nothing: the server's sends stall, then it gives up
            assertTrue(waitFor(() -> server.server.connections() == 0), "still open: " + server.server.connections());
        }
    }

    @Test
    void connectionsBeyondTheCapGet503() throws Exception {
        start("--max-connections", "2");
        try (Socket a = connect(); Socket b = connect()) {
            InputStream ina = new BufferedInputStream(a.getInputStream());
            a.getOutputStream().write(GET_HELLO.getBytes(StandardCharsets.US_ASCII));
            assertEquals(200, RawResponse.read(ina, false).status);
            assertTrue(waitFor(() -> server.server.connections() == 2));
            try (Socket c = connect()) {
                String answer = readUntilClosed(c.getInputStream());
                assertTrue(answer.startsWith("HTTP/1.1 503 "), answer);
                assertTrue(answer.contains("Retry-After: 1"), answer);
            }
            b.close();
            assertTrue(waitFor(() -> server.server.connections() == 1));
            try (Socket c = connect()) {
                c.getOutputStream().write(GET_HELLO.getBytes(StandardCharsets.US_ASCII));
                assertEquals(200, RawResponse.read(new BufferedInputStream(c.getInputStream()), false).status);
            }
            assertEquals(1, server.server.stats().connectionsRefused());
        }
    }

    /**
     * The process runs out of descriptors (its soft limit lowered with prlimit(1) to what it has open) while a file
     * not in the cache is asked for: 503 with Retry-After and no-store, never a 404 a cache could keep; with the limit
     * back the file is served.
     */
    @Test
    void runningOutOfDescriptorsIs503NotA404() throws Exception {
        start("--cache-ms", "0");
        long pid = ProcessHandle.current().pid();
        String[] limits = Files.readAllLines(Path.of("/proc/self/limits")).stream()
                .filter(l -> l.startsWith("Max open files")).findFirst().orElseThrow().trim().split("\\s+");
        String soft = limits[3];
        String hard = limits[4];
        try (Socket s = connect()) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            s.getOutputStream().write(GET_HELLO.getBytes(StandardCharsets.US_ASCII));
            assertEquals(200, RawResponse.read(in, false).status);
            // A process of its own lowers this JVM's limit to 1 (no new descriptor at all: 0 is taken; not 0,
            // which poll(2) of one descriptor refuses), says so, and puts it back a second later: once at the
            // limit this JVM could not start a process to restore it.
            Process p = new ProcessBuilder("sh", "-c", "prlimit --pid " + pid + " --nofile=1:" + hard
                    + " && echo lowered; sleep 1; prlimit --pid " + pid + " --nofile=" + soft + ':' + hard)
                    .redirectErrorStream(true).start();
            RawResponse r;
            try {
                byte[] line = new byte[8];
                int n = p.getInputStream().readNBytes(line, 0, line.length);
                assertEquals("lowered\n", new String(line, 0, n, StandardCharsets.US_ASCII), "prlimit failed");
                s.getOutputStream().write(GET_HELLO.getBytes(StandardCharsets.US_ASCII));
                r = RawResponse.read(in, false);
            } finally {
                assertTrue(p.waitFor(10, TimeUnit.SECONDS), "prlimit did not put the limit back");
                p.getInputStream().close();
                p.getOutputStream().close();
            }
            assertEquals(soft, Files.readAllLines(Path.of("/proc/self/limits")).stream()
                    .filter(l -> l.startsWith("Max open files")).findFirst().orElseThrow().trim().split("\\s+")[3]);
            assertEquals(503, r.status, r::toString);
            assertEquals("1", r.header("Retry-After"));
            assertEquals("no-store", r.header("Cache-Control"));
            s.getOutputStream().write(GET_HELLO.getBytes(StandardCharsets.US_ASCII));
            assertEquals(200, RawResponse.read(in, false).status);
        }
    }

    /**
     * A client writes 20,000 pipelined requests for a 1 MiB file and reads nothing: the server reads no further
     * ahead than the responses it queues and one fixed read buffer.
     */
    @Test
    void pipelinedRequestsAreReadOnlyAsFarAsTheResponsesQueue() throws Exception {
        start("--max-pipelined", "4", "--read-buffer", "1024");
        byte[] request = "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        long before = server.server.stats().bytesRead();
        try (Socket s = connect()) {
            s.setReceiveBufferSize(8192);
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    for (int i = 0; i < 20_000; i++) {
                        out.write(request);
                    }
                } catch (IOException closed) {
                    // closed at the end of the test
                }
            });
            writer.setDaemon(true);
            writer.start();
            Thread.sleep(1500);
            long read = server.server.stats().bytesRead() - before;
            long answered = server.server.responses();
            // the responses the kernel took (its send buffer holds a few), 4 queued, the one being decoded, and
            // what two reads of 1 KiB bring beyond them (getbuf goes on reading once while the kernel says the
            // socket has more)
            long bound = (answered + 5L) * request.length + 2 * 1024 + request.length;
            assertTrue(read <= bound, "read ahead " + read + " bytes, at most " + bound + " allowed with " + answered
                    + " answered");
            assertTrue(read >= request.length, "read nothing: " + read);
        }
    }

    /** An access log whose output blocks (a pipe no one reads) must not stall the loop: requests are answered. */
    @Test
    void aStuckAccessLogDoesNotStallTheServer() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        PrintStream stuck = stuckUntil(release);
        TestSite site = TestSite.create(dir);
        AccessLog log = new AccessLog(stuck);
        try {
            io.netty.handler.codec.http.HttpRequest request = new io.netty.handler.codec.http.DefaultHttpRequest(
                    io.netty.handler.codec.http.HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpMethod.GET, "/x");
            long start = System.nanoTime();
            for (int i = 0; i < AccessLog.QUEUE_LINES + 1000; i++) {
                log.log(null, request, 200, 1, true);
            }
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "log() blocked");
            assertTrue(log.dropped() >= 500, "dropped " + log.dropped());
        } finally {
            release.countDown();
            log.close();
        }
        // and through a server: every response arrives while the log's output is stuck
        CountDownLatch release2 = new CountDownLatch(1);
        PrintStream stuck2 = stuckUntil(release2);
        FileServer fs = FileServer.start(ServerOptions.of("--transport", "getbuf", "--port", "0", "--threads", "1",
                "--access-log"), site.root, stuck2);
        try (Socket s = new Socket("127.0.0.1", fs.address().getPort())) {
            s.setSoTimeout(10_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            for (int i = 0; i < 200; i++) {
                s.getOutputStream().write(GET_HELLO.getBytes(StandardCharsets.US_ASCII));
                RawResponse r = RawResponse.read(in, false);
                assertNotNull(r);
                assertEquals(200, r.status);
            }
        } finally {
            release2.countDown();
            fs.stop();
        }
    }

    /** An output that blocks every write until {@code release} (30 s at most): a pipe no one reads. */
    private static PrintStream stuckUntil(CountDownLatch release) {
        return new PrintStream(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
        }, true);
    }

    private static boolean waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }
}
