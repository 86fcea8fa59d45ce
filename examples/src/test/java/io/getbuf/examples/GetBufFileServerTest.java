/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.getbuf.transport.GetBuf;
import io.getbuf.transport.GetBufFileStrategy;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The file server on getbuf with the default strategy (AUTO) serving files of 1 KiB to 64 MiB to several keep-alive
 * connections at once, every body checked by SHA-256 against the file's. On the patched kernel (kernel/vm/java-tests
 * runs this class there, files on tmpfs, {@code -Dgetbuf.test.requireGetBuf=true}) AUTO is GET_BUF: every byte of
 * every body must have gone by GET_BUF, none by a fallback, and afterwards every slot of the loop's buffer table is
 * empty and the page-cache provider's own counters (debugfs) have every buffer and page back. On a stock kernel the
 * same requests are served by what AUTO picks there, and nothing may go by GET_BUF.
 */
@ExtendWith(NoLeaks.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class GetBufFileServerTest {
    private static final boolean REQUIRE_GET_BUF = Boolean.getBoolean("getbuf.test.requireGetBuf");
    private static final Path FILEMAP_DEBUG = Paths.get("/sys/kernel/debug/getbuf-filemap");
    private static final int KIB = 1024;
    private static final int MIB = 1024 * KIB;
    private static final int[] SIZES = {KIB, 64 * KIB, MIB, 16 * MIB, 64 * MIB};
    /** What each connection asks for, in order, on one keep-alive connection: the 64 MiB file once in all. */
    private static final String[][] CONNECTIONS = {
        {"/64m.bin", "/1k.bin", "/64k.bin"},
        {"/16m.bin", "/1m.bin", "/1k.bin", "/64k.bin"},
        {"/1k.bin", "/1m.bin", "/64k.bin", "/1m.bin", "/1k.bin"},
    };
    private static final int READ_TIMEOUT_MILLIS = 60_000;

    @TempDir
    static Path root;
    /** SHA-256 (hex) and size of each file, by path. */
    private static final Map<String, String> SHA256 = new LinkedHashMap<>();
    private static final Map<String, Integer> SIZE = new LinkedHashMap<>();

    /**
     * The files are prefixes of one stream of random bytes, so one pass of SHA-256 over the largest gives every
     * file's digest (a copy of the digest's state at each file's end): under TCG hashing is most of this class's time.
     */
    @BeforeAll
    static void makeFiles() throws Exception {
        SplittableRandom random = new SplittableRandom(10);
        byte[] chunk = new byte[MIB];
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        String[] paths = new String[SIZES.length];
        List<OutputStream> outs = new ArrayList<>();
        try {
            for (int f = 0; f < SIZES.length; f++) {
                int size = SIZES[f];
                paths[f] = "/" + (size < MIB ? size / KIB + "k" : size / MIB + "m") + ".bin";
                SIZE.put(paths[f], size);
                outs.add(Files.newOutputStream(root.resolve(paths[f].substring(1))));
            }
            int largest = SIZES[SIZES.length - 1];
            for (int done = 0; done < largest; done += chunk.length) {
                random.nextBytes(chunk);
                int hashed = 0;
                for (int f = 0; f < SIZES.length; f++) {
                    int n = Math.min(chunk.length, SIZES[f] - done);
                    if (n <= 0) {
                        continue;
                    }
                    outs.get(f).write(chunk, 0, n);
                    if (SIZES[f] <= done + chunk.length) { // the file ends in this chunk: its digest
                        sha.update(chunk, hashed, n - hashed);
                        hashed = n;
                        SHA256.put(paths[f], HexFormat.of().formatHex(((MessageDigest) sha.clone()).digest()));
                    }
                }
                sha.update(chunk, hashed, chunk.length - hashed);
            }
        } finally {
            for (OutputStream out : outs) {
                out.close();
            }
        }
    }

    @Test
    void servesEverySizeToConcurrentKeepAliveConnectionsByGetBuf() throws Exception {
        boolean getBuf = GetBuf.isGetBufSupported();
        if (REQUIRE_GET_BUF) {
            assertTrue(getBuf, "the probe must report GET_BUF here: " + GetBuf.describe());
            assertTrue(Files.isWritable(FILEMAP_DEBUG.resolve("enabled")), "no " + FILEMAP_DEBUG);
            Files.writeString(FILEMAP_DEBUG.resolve("enabled"), "1");
        }
        long[] before = providerCounters();
        TestServer.Handle server = TestServer.start(root, "--transport", "getbuf", "--strategy", "AUTO");
        long expectedBytes = 0;
        int requests = 0;
        try {
            assertEquals(GetBufFileStrategy.AUTO, server.server.strategy());
            List<CompletableFuture<Void>> connections = new ArrayList<>();
            for (String[] paths : CONNECTIONS) {
                connections.add(CompletableFuture.runAsync(() -> fetchAll(server.server.address(), paths)));
                for (String p : paths) {
                    expectedBytes += SIZE.get(p);
                    requests++;
                }
            }
            for (CompletableFuture<Void> c : connections) {
                c.get(240, TimeUnit.SECONDS);
            }
            Map<String, Long> bytes = server.awaitSent(requests, expectedBytes);
            if (getBuf) {
                assertEquals(Map.of(GetBufFileStrategy.GET_BUF.name(), expectedBytes), bytes,
                        "every body went by GET_BUF, none by a fallback");
            } else {
                assertFalse(bytes.containsKey(GetBufFileStrategy.GET_BUF.name()), bytes.toString());
                assertEquals(expectedBytes, bytes.values().stream().mapToLong(Long::longValue).sum(), bytes.toString());
            }
            for (EventExecutor loop : server.server.group()) {
                assertSlotsEmpty((EventLoop) loop);
            }
        } finally {
            String summary = server.server.stop();
            assertTrue(summary.startsWith("served " + requests + " requests"), summary);
        }
        if (getBuf) {
            long[] after = providerCounters();
            assertTrue(after[0] - before[0] >= requests, "the provider lent a buffer per response at least: "
                    + Arrays.toString(before) + " -> " + Arrays.toString(after));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!givenBack(before, after) && System.nanoTime() < deadline) {
                Thread.sleep(10);
                after = providerCounters();
            }
            assertTrue(givenBack(before, after), "every buffer released and every page given back: "
                    + Arrays.toString(before) + " -> " + Arrays.toString(after));
        }
    }

    private static boolean givenBack(long[] before, long[] now) {
        return now[1] - before[1] == now[0] - before[0] && now[2] == before[2];
    }

    /** GETs {@code paths} one after the other on one connection, checking each body's SHA-256. */
    private static void fetchAll(InetSocketAddress server, String[] paths) {
        try (Socket s = new Socket(server.getAddress(), server.getPort())) {
            s.setSoTimeout(READ_TIMEOUT_MILLIS);
            InputStream in = new BufferedInputStream(s.getInputStream(), 64 * KIB);
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[64 * KIB];
            for (String path : paths) {
                out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Map<String, String> head = readHead(in);
                assertEquals("HTTP/1.1 200 OK", head.get(""), path);
                long length = Long.parseLong(head.get("content-length"));
                assertEquals(SIZE.get(path).longValue(), length, path);
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                for (long left = length; left > 0; ) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    assertTrue(n > 0, "the connection ended with " + left + " bytes of " + path + " to come");
                    sha.update(buf, 0, n);
                    left -= n;
                }
                assertEquals(SHA256.get(path), HexFormat.of().formatHex(sha.digest()), "SHA-256 of " + path);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The status line (key "") and the header fields (lower-case names) of a response. */
    private static Map<String, String> readHead(InputStream in) throws IOException {
        Map<String, String> head = new LinkedHashMap<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            assertTrue(b >= 0, "the connection ended in a response head");
            if (b != '\n') {
                line.write(b);
                continue;
            }
            String l = line.toString(StandardCharsets.US_ASCII).stripTrailing();
            line.reset();
            if (l.isEmpty()) {
                return head;
            }
            int colon = l.indexOf(':');
            if (head.isEmpty()) {
                head.put("", l);
            } else if (colon > 0) {
                head.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
            }
        }
    }

    /** The provider's {gets, releases, pages}, or zeros where the kernel has no counters. */
    private static long[] providerCounters() throws IOException {
        if (!Files.isDirectory(FILEMAP_DEBUG)) {
            return new long[3];
        }
        long[] c = new long[3];
        String[] names = {"gets", "releases", "pages"};
        for (int i = 0; i < c.length; i++) {
            c[i] = Long.parseLong(Files.readString(FILEMAP_DEBUG.resolve(names[i])).trim());
        }
        return c;
    }

    /**
     * Every user slot of {@code loop}'s registered-buffer table is empty. The table is the transport's internal
     * state (package-private there), read here by reflection on the loop's own thread.
     */
    private static void assertSlotsEmpty(EventLoop loop) throws Exception {
        Class<?> handlerClass = Class.forName("io.getbuf.transport.GetBufIoHandler");
        Object handler = call(null, handlerClass, "handlerOf", loop);
        Object strategies = call(handler, handlerClass, "fileStrategies");
        Object table = call(strategies, strategies.getClass(), "table");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int[] slots;
        do {
            slots = loop.submit(() -> new int[] {(Integer) call(table, table.getClass(), "emptySlots"),
                (Integer) call(table, table.getClass(), "userSlots")}).get();
        } while (slots[0] != slots[1] && System.nanoTime() < deadline);
        assertEquals(slots[1], slots[0], "every user slot empty again");
    }

    /** The package-private method {@code name} of {@code type} called on {@code target} (null: static). */
    static Object call(Object target, Class<?> type, String name, Object... args) throws Exception {
        for (Method m : type.getDeclaredMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == args.length) {
                m.setAccessible(true);
                return m.invoke(target, args);
            }
        }
        throw new NoSuchMethodException(type.getName() + '.' + name);
    }
}
