/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Jazzer fuzz tests of the request path, from raw bytes. In the build ({@code mvn verify}) each runs the inputs kept
 * in {@code src/test/resources/io/getbuf/examples/RequestFuzzTestInputs/<method>/} (regression mode), then the
 * {@code fuzz-*} executions of the examples' pom fuzz each for {@link #FUZZ_TIME} ({@code JAZZER_FUZZ=1}); an input
 * that fails is written to that directory, to be kept as a regression input. A finding is an exception other than
 * the expected refusal, a hang, a Netty leak (PARANOID, checked after the class), or any byte served from outside the
 * root or from a hidden file.
 */
@ExtendWith(NoLeaks.class)
class RequestFuzzTest {
    /** How long each target is fuzzed in the build (a constant: an annotation's value). */
    static final String FUZZ_TIME = "30s";
    private static final String SECRET = "SECRET-OUTSIDE-THE-ROOT";
    private static final String HIDDEN = "HIDDEN-DOT-FILE";

    private static Path dir;
    private static SiteRoot site;
    private static FileCache files;
    private static ServerStats stats;
    private static ServerOptions options;
    private static FileService service;

    /** A root with everything the server must refuse: symlinks in and out, a FIFO, dot-files, a socket-like. */
    private static synchronized void site() throws Exception {
        if (service != null) {
            return;
        }
        dir = Files.createTempDirectory("getbuf-fuzz-");
        Path root = Files.createDirectories(dir.resolve("root"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), SECRET);
        Files.writeString(root.resolve("index.html"), "<p>index</p>\n");
        Files.writeString(root.resolve("a.txt"), "0123456789abcdefghij\n");
        Files.writeString(root.resolve("a.txt.gz"), "gz");
        Files.writeString(root.resolve(".env"), HIDDEN);
        Path sub = Files.createDirectories(root.resolve("sub"));
        Files.writeString(sub.resolve("b.css"), "b{}\n");
        Files.writeString(sub.resolve(".hidden"), HIDDEN);
        Path git = Files.createDirectories(root.resolve(".git"));
        Files.writeString(git.resolve("config"), HIDDEN);
        Files.createDirectories(root.resolve("empty"));
        Files.createSymbolicLink(root.resolve("out"), outside);
        Files.createSymbolicLink(root.resolve("out.txt"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("up.txt"), Path.of("../outside/secret.txt"));
        Files.createSymbolicLink(root.resolve("in.txt"), Path.of("a.txt"));
        Files.createSymbolicLink(root.resolve("to-hidden"), Path.of(".env"));
        Files.createSymbolicLink(sub.resolve("loop"), Path.of("loop"));
        TestSite.mkfifo(root.resolve("fifo"));
        TestSite.mkfifo(sub.resolve("fifo.txt"));
        site = new SiteRoot(root, true); // symlinks followed beneath the root: the harder case
        files = new FileCache(site, TimeUnit.MILLISECONDS.toNanos(50), 64);
        stats = new ServerStats();
        options = ServerOptions.of("--list", "--precompressed", "--follow-symlinks", "--max-ranges", "4",
                "--cache-control", "max-age=1");
        service = new FileService(files, options, ContentTypes.builtIn());
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (files != null) {
            files.close();
            site.close();
            BundledSite.delete(dir);
        }
    }

    /** Any bytes as a request target: refused with the checked exception, or segments safe to open. */
    @FuzzTest(maxDuration = FUZZ_TIME)
    void requestTarget(byte[] data) {
        String uri = new String(data, StandardCharsets.ISO_8859_1);
        RequestTarget t;
        try {
            t = RequestTarget.parse(uri);
        } catch (RequestTarget.InvalidTargetException refused) {
            return;
        }
        for (String s : t.segments) {
            if (s.isEmpty() || s.equals(".") || s.equals("..") || s.indexOf('/') >= 0 || s.indexOf('\\') >= 0
                    || s.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalStateException("unsafe segment '" + s + "' from " + uri);
            }
        }
        String canonical = t.canonicalPath();
        if (!canonical.startsWith("/") || canonical.startsWith("//")) {
            throw new IllegalStateException("canonical path " + canonical + " from " + uri);
        }
        try {
            if (!RequestTarget.parse(canonical).segments.equals(t.segments)) {
                throw new IllegalStateException("the canonical path " + canonical + " names other segments");
            }
        } catch (RequestTarget.InvalidTargetException e) {
            throw new IllegalStateException("the canonical path " + canonical + " is refused", e);
        }
    }

    /** Any Range header against any size: sorted, disjoint ranges within the file, at most the cap. */
    @FuzzTest(maxDuration = FUZZ_TIME)
    void byteRanges(byte[] data) {
        if (data.length < 8) {
            return;
        }
        long size = java.nio.ByteBuffer.wrap(data).getLong() & Long.MAX_VALUE;
        String header = new String(data, 8, data.length - 8, StandardCharsets.ISO_8859_1);
        List<ByteRange> ranges = ByteRange.parse(header, size, 4);
        if (ranges == null) {
            return;
        }
        if (ranges.size() > 4) {
            throw new IllegalStateException("more ranges than the cap: " + ranges);
        }
        long end = -1;
        for (ByteRange r : ranges) {
            if (r.first < 0 || r.last >= size || r.first > r.last || r.first <= end) {
                throw new IllegalStateException("bad ranges " + ranges + " of " + size + " from " + header);
            }
            end = r.last;
        }
    }

    /**
     * Any bytes as what a client sends on a connection, through the server's whole pipeline (codec, deadlines,
     * flow control, the file handler, the open-file cache) over a root full of traps. Nothing may escape the handler,
     * and no byte of a file outside the root or of a hidden file may be sent.
     */
    @FuzzTest(maxDuration = FUZZ_TIME)
    void request(byte[] data) throws Exception {
        site();
        EmbeddedChannel ch = new EmbeddedChannel(new FileServerInitializer(service, stats, null, options));
        // only what files sent counts: generated text may echo the request (405 names the method)
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        try {
            ch.writeInbound(Unpooled.wrappedBuffer(data));
            ch.runPendingTasks();
            ch.checkException();
            for (Object m; (m = ch.readOutbound()) != null; ) {
                try {
                    if (m instanceof ByteBuf) {
                        continue; // heads and generated bodies (released below)
                    } else if (m instanceof FileRegion) {
                        FileRegion r = (FileRegion) m;
                        r.transferTo(Channels.newChannel(sent), 0);
                    } else {
                        throw new IllegalStateException("unexpected outbound " + m);
                    }
                } finally {
                    io.netty.util.ReferenceCountUtil.release(m);
                }
            }
        } finally {
            ch.finishAndReleaseAll();
        }
        String text = sent.toString(StandardCharsets.ISO_8859_1);
        if (text.contains(SECRET)) {
            throw new IllegalStateException("served a file outside the root for " + printable(data));
        }
        if (text.contains(HIDDEN)) {
            throw new IllegalStateException("served a hidden file for " + printable(data));
        }
    }

    private static String printable(byte[] data) {
        return new String(data, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n");
    }
}
