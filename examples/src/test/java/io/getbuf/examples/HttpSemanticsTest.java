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
import org.junit.jupiter.params.provider.CsvSource;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What users expect of a static server beyond the basics, each through raw requests on getbuf: 412 for failed
 * preconditions, non-canonical paths redirected (never to another host) or refused, a duplicate Host refused,
 * {@code Expect} answered, precompressed siblings with {@code Vary}, {@code Cache-Control}, types from a mime.types
 * table, and an access log in which no client byte can forge a line or a terminal escape.
 */
@ExtendWith(NoLeaks.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpSemanticsTest {
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
        String[] args = new String[options.length + 2];
        args[0] = "--transport";
        args[1] = "getbuf";
        System.arraycopy(options, 0, args, 2, options.length);
        server = TestServer.start(site.root, args);
        return site;
    }

    /** Sends {@code head} (a request head without its final empty line) and reads one response. */
    private RawResponse exchange(String head) throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.server.address().getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write((head + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            return RawResponse.read(new BufferedInputStream(s.getInputStream()), head.startsWith("HEAD "));
        }
    }

    private RawResponse get(String path, String... headers) throws Exception {
        return exchange("GET " + path + " HTTP/1.1\r\nHost: x" + (headers.length == 0 ? "" : "\r\n")
                + String.join("\r\n", headers));
    }

    @Test
    void ifMatchAndIfUnmodifiedSinceFailWith412() throws Exception {
        start();
        RawResponse plain = get("/hello.txt");
        String etag = plain.header("ETag");
        assertEquals(412, get("/hello.txt", "If-Match: \"other\"").status);
        assertEquals(412, get("/hello.txt", "If-Match: W/" + etag).status, "If-Match compares strongly");
        assertEquals(200, get("/hello.txt", "If-Match: \"other\", " + etag).status);
        assertEquals(200, get("/hello.txt", "If-Match: *").status);
        assertEquals(412, get("/hello.txt", "If-Unmodified-Since: Thu, 01 Jan 1970 00:00:00 GMT").status);
        assertEquals(200, get("/hello.txt", "If-Unmodified-Since: " + plain.header("Last-Modified")).status);
        // If-Match decides alone when both are sent
        assertEquals(200, get("/hello.txt", "If-Match: " + etag,
                "If-Unmodified-Since: Thu, 01 Jan 1970 00:00:00 GMT").status);
        assertEquals(404, get("/missing.txt", "If-Match: *").status);
    }

    /** Found by RequestFuzzTest: Netty's date parser throws on a value over 64 characters; the server closed. */
    @Test
    void aDateHeaderTooLongToBeADateIsIgnored() throws Exception {
        start();
        String junk = "Thu, 01 Jan 1970 00:00:00 GMT" + "x".repeat(60);
        for (String name : new String[] {"If-Modified-Since", "If-Unmodified-Since", "If-Range"}) {
            RawResponse r = get("/hello.txt", name + ": " + junk, "Range: bytes=0-4");
            assertTrue(r.status == 200 || r.status == 206, name + ": " + r);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"//sub|/sub", "//sub/|/sub/", "/./hello.txt|/hello.txt",
            "/sub//index.html|/sub/index.html", "///evil.example/|/evil.example/", "//evil.example//x?a=b|/evil.example/x?a=b",
            "/sub|/sub/", "/sub?x=1|/sub/?x=1", "/%2e/hello.txt|/hello.txt"})
    void nonCanonicalPathsRedirectToTheCanonicalOneOnThisHost(String path, String location) throws Exception {
        start();
        RawResponse r = get(path);
        assertEquals(301, r.status, r::toString);
        assertEquals(location, r.header("Location"));
        assertFalse(r.header("Location").startsWith("//"), "an open redirect: " + r.header("Location"));
    }

    @Test
    void aFileNamedAsADirectoryIsNotServed() throws Exception {
        start();
        assertEquals(404, get("/hello.txt/").status);
        assertEquals(200, get("/sub/").status);
    }

    @Test
    void aDuplicateHostIs400() throws Exception {
        start();
        assertEquals(400, exchange("GET /hello.txt HTTP/1.1\r\nHost: a\r\nHost: b").status);
        assertEquals(200, exchange("GET /hello.txt HTTP/1.1\r\nHost: a").status);
    }

    @Test
    void expectationsAreAnswered() throws Exception {
        start();
        RawResponse r = get("/hello.txt", "Expect: 100-continue");
        assertEquals(200, r.status, r::toString);
        assertEquals(TestSite.HELLO, new String(r.body, StandardCharsets.UTF_8));
        assertEquals(417, get("/hello.txt", "Expect: something-else").status);
        // a body announced with 100-continue is never waited for: the final answer comes at once
        long start = System.nanoTime();
        RawResponse post = exchange("POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n"
                + "Expect: 100-continue");
        assertEquals(405, post.status, post::toString);
        assertEquals("close", post.header("Connection"));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
    }

    @Test
    void precompressedSiblingsAreServedToClientsThatAcceptThem() throws Exception {
        TestSite site = start("--precompressed");
        byte[] gz = {31, (byte) 139, 8, 0, 1, 2, 3};
        byte[] br = {11, 22, 33};
        Files.write(site.root.resolve("style.css.gz"), gz);
        Files.write(site.root.resolve("style.css.br"), br);
        Files.write(site.root.resolve("hello.txt.gz"), gz);
        RawResponse plain = get("/style.css");
        assertEquals("body{}\n", new String(plain.body, StandardCharsets.UTF_8));
        assertEquals("Accept-Encoding", plain.header("Vary"));
        assertEquals(null, plain.header("Content-Encoding"));
        RawResponse g = get("/style.css", "Accept-Encoding: gzip, deflate");
        assertArrayEquals(gz, g.body);
        assertEquals("gzip", g.header("Content-Encoding"));
        assertEquals("text/css; charset=utf-8", g.header("Content-Type"));
        assertEquals("Accept-Encoding", g.header("Vary"));
        assertFalse(g.header("ETag").equals(plain.header("ETag")), "each representation its own ETag");
        RawResponse b = get("/style.css", "Accept-Encoding: gzip, br");
        assertArrayEquals(br, b.body);
        assertEquals("br", b.header("Content-Encoding"));
        assertArrayEquals(gz, get("/style.css", "Accept-Encoding: br;q=0, gzip").body);
        assertEquals("body{}\n", new String(get("/style.css", "Accept-Encoding: gzip;q=0").body,
                StandardCharsets.UTF_8));
        assertArrayEquals(br, get("/style.css", "Accept-Encoding: *").body);
        assertEquals(304, get("/style.css", "Accept-Encoding: gzip", "If-None-Match: " + g.header("ETag")).status);
        // a sibling is a file like any other under its own name
        assertArrayEquals(gz, get("/hello.txt.gz").body);
    }

    @Test
    void emptyAcceptEncodingElementsAreIgnored() throws Exception {
        // found by RequestFuzzTest: an element that is only ";" once threw out of the handler
        TestSite site = start("--precompressed");
        byte[] gz = {31, (byte) 139, 8, 0, 4, 5, 6};
        Files.write(site.root.resolve("style.css.gz"), gz);
        RawResponse r = get("/style.css", "Accept-Encoding: gzip;,;,9 qb1r=q0");
        assertEquals(200, r.status);
        assertArrayEquals(gz, r.body);
        assertEquals("body{}\n", new String(get("/style.css", "Accept-Encoding: ;, ;q=1").body,
                StandardCharsets.UTF_8));
    }

    @Test
    void cacheControlIsSetByTheOption() throws Exception {
        start("--cache-control", "public, max-age=60");
        assertEquals("public, max-age=60", get("/hello.txt").header("Cache-Control"));
        String etag = get("/hello.txt").header("ETag");
        assertEquals("public, max-age=60", get("/hello.txt", "If-None-Match: " + etag).header("Cache-Control"));
        assertEquals(null, get("/missing").header("Cache-Control"));
    }

    @Test
    void typesComeFromAMimeTypesTableToo() throws Exception {
        Path table = dir.resolve("mime.types");
        Files.writeString(table, "# a comment\napplication/x-getbuf-test\tgbt gbt2\ntext/html\tcss\n");
        TestSite site = start("--mime-types", table.toString());
        Files.writeString(site.root.resolve("a.gbt2"), "x");
        assertEquals("application/x-getbuf-test", get("/a.gbt2").header("Content-Type"));
        assertEquals("text/css; charset=utf-8", get("/style.css").header("Content-Type"), "the built-in table wins");
    }

    @Test
    void theSystemMimeTypesAreUsedWherePresent() throws Exception {
        Path system = Path.of(ServerOptions.DEFAULT_MIME_TYPES);
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(system), "no " + system);
        ContentTypes types = ContentTypes.load(system, true);
        assertTrue(types.size() > ContentTypes.builtIn().size() + 100, "only " + types.size() + " types");
    }

    @Test
    void theAccessLogEscapesEveryControlByte() throws Exception {
        start("--access-log");
        RawResponse r = exchange("GET /hello.txt?\u001b[2J\u007f\u00e9 HTTP/1.1\r\nHost: x\r\n"
                + "User-Agent: evil\u00ff]0;title\u0080\r\nReferer: a\"b\\c");
        assertEquals(200, r.status, r::toString);
        Pattern line = Pattern.compile("\"GET /hello\\.txt\\?\\\\x1B\\[2J\\\\x7F\\\\xE9 HTTP/1\\.1\" 200 "
                + TestSite.HELLO.length() + " \"a\\\\x22b\\\\x5Cc\" \"evil\\\\xFF\\]0;title\\\\x80\"");
        long deadline = System.currentTimeMillis() + 5000;
        while (!line.matcher(server.printed()).find() && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(line.matcher(server.printed()).find(), server.printed());
        for (char c : server.printed().toCharArray()) {
            assertTrue(c == '\n' || (c >= 0x20 && c < 0x7f), "a raw byte " + (int) c + " in the log");
        }
    }
}
