/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server on getbuf (default strategy) driven by Debian's curl: every feature a user reaches with a browser or a
 * download tool, and the attempts to get out of the root. {@code --path-as-is} keeps curl from removing dot-segments
 * itself, so the server sees them.
 */
@ExtendWith(NoLeaks.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CurlTest {
    @TempDir
    static Path dir;
    static TestSite site;
    static TestServer.Handle server;
    static Curl curl;

    @BeforeAll
    static void start() throws Exception {
        Curl.ensureInstalled();
        site = TestSite.create(dir);
        server = TestServer.start(site.root, "--transport", "getbuf");
        curl = new Curl(dir);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            server.server.stop();
        }
    }

    private static Curl.Result get(String path, String... options) throws Exception {
        String[] args = new String[options.length + 2];
        System.arraycopy(options, 0, args, 0, options.length);
        args[options.length] = "--path-as-is";
        args[options.length + 1] = server.url(path);
        return curl.fetch(args);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/hello.txt|text/plain; charset=utf-8",
            "/index.html|text/html; charset=utf-8",
            "/style.css|text/css; charset=utf-8",
            "/app.js|text/javascript; charset=utf-8",
            "/data.json|application/json; charset=utf-8",
            "/pixel.PNG|image/png",
            "/Makefile|application/octet-stream",
            "/big.bin|application/octet-stream"})
    void contentTypeFromTheExtension(String path, String type) throws Exception {
        Curl.Result r = get(path);
        assertEquals(200, r.status, r::toString);
        assertEquals(type, r.header("Content-Type"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"empty.bin", "one.bin", "big.bin"})
    void bodiesArriveWhole(String name) throws Exception {
        byte[] expected = Files.readAllBytes(site.root.resolve(name));
        Curl.Result r = get("/" + name);
        assertEquals(200, r.status, r::toString);
        assertEquals(Integer.toString(expected.length), r.header("Content-Length"));
        assertEquals(TestSite.sha256(expected), TestSite.sha256(r.body));
    }

    @Test
    void headHasTheHeadersOfGetAndNoBody() throws Exception {
        Curl.Result get = get("/big.bin");
        Curl.Result head = get("/big.bin", "--head");
        assertEquals(200, head.status);
        assertEquals(Integer.toString(TestSite.BIG_SIZE), head.header("Content-Length"));
        assertEquals(get.header("ETag"), head.header("ETag"));
        assertEquals(get.header("Last-Modified"), head.header("Last-Modified"));
        assertEquals("bytes", head.header("Accept-Ranges"));
        // (curl --head writes the headers where the body would go; NettyClientTest checks that none came)
    }

    @Test
    void ifNoneMatchAnswers304OnlyForTheCurrentETag() throws Exception {
        String etag = get("/hello.txt").header("ETag");
        assertNotNull(etag);
        Curl.Result same = get("/hello.txt", "-H", "If-None-Match: " + etag);
        assertEquals(304, same.status, same::toString);
        assertEquals(0, same.body.length);
        assertEquals(etag, same.header("ETag"));
        assertEquals(304, get("/hello.txt", "-H", "If-None-Match: \"other\", W/" + etag).status);
        assertEquals(304, get("/hello.txt", "-H", "If-None-Match: *").status);
        Curl.Result other = get("/hello.txt", "-H", "If-None-Match: \"other\"");
        assertEquals(200, other.status);
        assertEquals(TestSite.HELLO, other.text());
    }

    @Test
    void ifModifiedSinceAnswers304OnlyWhenNotModified() throws Exception {
        String lastModified = get("/hello.txt").header("Last-Modified");
        assertEquals(304, get("/hello.txt", "-H", "If-Modified-Since: " + lastModified).status);
        String dayBefore = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                Files.getLastModifiedTime(site.root.resolve("hello.txt")).toInstant()
                        .minus(1, ChronoUnit.DAYS).atOffset(ZoneOffset.UTC));
        Curl.Result modified = get("/hello.txt", "-H", "If-Modified-Since: " + dayBefore);
        assertEquals(200, modified.status);
        assertEquals(TestSite.HELLO, modified.text());
        // If-None-Match decides alone when both are sent
        assertEquals(200, get("/hello.txt", "-H", "If-Modified-Since: " + lastModified,
                "-H", "If-None-Match: \"other\"").status);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0-4|bytes 0-4/22|hello",
            "7-11|bytes 7-11/22|range",
            "19-|bytes 19-21/22|ts\\n",
            "-3|bytes 19-21/22|ts\\n",
            "15-1000|bytes 15-21/22|quests\\n"})
    void aSingleRangeIs206(String range, String contentRange, String body) throws Exception {
        Curl.Result r = get("/hello.txt", "-r", range);
        assertEquals(206, r.status, r::toString);
        assertEquals(contentRange, r.header("Content-Range"));
        assertEquals(body.replace("\\n", "\n"), r.text());
    }

    @Test
    void aRangePastTheEndIs416() throws Exception {
        Curl.Result r = get("/hello.txt", "-r", "22-30");
        assertEquals(416, r.status, r::toString);
        assertEquals("bytes */22", r.header("Content-Range"));
        assertEquals(416, get("/empty.bin", "-r", "0-0").status);
    }

    @Test
    void severalRangesAreMergedOrSentAsMultipartByteranges() throws Exception {
        Curl.Result merged = get("/hello.txt", "-r", "0-1,3-4");
        assertEquals(206, merged.status, merged::toString);
        assertEquals("bytes 0-4/22", merged.header("Content-Range"));
        assertEquals("hello", merged.text());
        Curl.Result parts = get("/big.bin", "-r", "0-9,1000-1009");
        assertEquals(206, parts.status, parts::toString);
        String type = parts.header("Content-Type");
        assertTrue(type.startsWith("multipart/byteranges; boundary="), type);
        String boundary = type.substring(type.indexOf('=') + 1);
        String body = new String(parts.body, java.nio.charset.StandardCharsets.ISO_8859_1);
        String[] pieces = body.split("\r\n--" + boundary + "(--)?\r\n", -1);
        assertEquals(4, pieces.length, body); // "", part 1, part 2, ""
        assertEquals(Integer.toString(parts.body.length), parts.header("Content-Length"));
        int[][] ranges = {{0, 9}, {1000, 1009}};
        for (int i = 0; i < 2; i++) {
            String part = pieces[i + 1];
            assertTrue(part.startsWith("Content-Type: application/octet-stream\r\nContent-Range: bytes "
                    + ranges[i][0] + '-' + ranges[i][1] + '/' + TestSite.BIG_SIZE + "\r\n\r\n"), part);
            byte[] bytes = part.substring(part.indexOf("\r\n\r\n") + 4).getBytes(
                    java.nio.charset.StandardCharsets.ISO_8859_1);
            assertArrayEquals(java.util.Arrays.copyOfRange(site.big, ranges[i][0], ranges[i][1] + 1), bytes);
        }
    }

    @Test
    void moreRangesThanTheCapGetTheWholeFile() throws Exception {
        StringBuilder many = new StringBuilder();
        for (int i = 0; i <= ServerOptions.DEFAULT_MAX_RANGES; i++) {
            many.append(many.length() == 0 ? "" : ",").append(i * 1000).append('-').append(i * 1000 + 1);
        }
        Curl.Result r = get("/big.bin", "-r", many.toString());
        assertEquals(200, r.status, r::toString);
        assertEquals(TestSite.BIG_SIZE, r.body.length);
    }

    @Test
    void aRangeOfALargeFile() throws Exception {
        Curl.Result r = get("/big.bin", "-r", "1000-" + (TestSite.BIG_SIZE - 1));
        assertEquals(206, r.status);
        byte[] expected = java.util.Arrays.copyOfRange(site.big, 1000, TestSite.BIG_SIZE);
        assertArrayEquals(expected, r.body);
    }

    @Test
    void ifRangeHonoursTheRangeOnlyForTheCurrentVersion() throws Exception {
        Curl.Result full = get("/hello.txt");
        assertEquals(206, get("/hello.txt", "-r", "0-4", "-H", "If-Range: " + full.header("ETag")).status);
        assertEquals(206, get("/hello.txt", "-r", "0-4", "-H", "If-Range: " + full.header("Last-Modified")).status);
        Curl.Result stale = get("/hello.txt", "-r", "0-4", "-H", "If-Range: \"stale\"");
        assertEquals(200, stale.status);
        assertEquals(TestSite.HELLO, stale.text());
        String older = DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.EPOCH.atOffset(ZoneOffset.UTC));
        assertEquals(200, get("/hello.txt", "-r", "0-4", "-H", "If-Range: " + older).status);
    }

    @Test
    void directoriesServeTheirIndexHtml() throws Exception {
        assertEquals(TestSite.INDEX_HTML, get("/").text());
        assertEquals(TestSite.SUB_INDEX_HTML, get("/sub/").text());
        Curl.Result redirect = get("/sub?x=1");
        assertEquals(301, redirect.status);
        assertEquals("/sub/?x=1", redirect.header("Location"));
        assertEquals(TestSite.SUB_INDEX_HTML, get("/sub", "--location").text());
    }

    @Test
    void noListingWithoutTheOption() throws Exception {
        Curl.Result r = get("/plain/");
        assertEquals(403, r.status);
        assertFalse(r.text().contains("file.txt"));
    }

    @Test
    void missingFilesAre404() throws Exception {
        assertEquals(404, get("/nope.txt").status);
        assertEquals(404, get("/hello.txt/more").status);
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "DELETE", "OPTIONS", "PATCH"})
    void otherMethodsAre405WithAllow(String method) throws Exception {
        Curl.Result r = get("/hello.txt", "-X", method);
        assertEquals(405, r.status);
        assertEquals("GET, HEAD", r.header("Allow"));
    }

    @Test
    void aRequestWithABodyIsAnsweredAndTheConnectionClosed() throws Exception {
        Curl.Result r = get("/hello.txt", "--data", "name=value");
        assertEquals(405, r.status);
        assertEquals("close", r.header("Connection"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/../outside/secret.txt", "/sub/../../outside/secret.txt", "/%2e%2e/outside/secret.txt",
            "/%2E%2E/outside/secret.txt", "/.%2e/outside/secret.txt", "/sub/..%2F..%2Foutside%2Fsecret.txt",
            "/%2e%2e%2foutside%2fsecret.txt", "/..%5Coutside%5Csecret.txt", "/sub\\..\\..\\outside\\secret.txt",
            "/hello.txt%00", "/hello.txt%00.png", "/%00", "/sub/%2e%2e/hello.txt", "/%zz", "/%c3%28"})
    void traversalAndMalformedPathsAre400(String path) throws Exception {
        Curl.Result r = get(path);
        assertEquals(400, r.status, () -> path + ": " + r);
        assertFalse(r.text().contains(TestSite.SECRET));
    }

    /** By default every symlink is refused (nginx's disable_symlinks on); FollowSymlinksTest has the option. */
    @ParameterizedTest
    @ValueSource(strings = {"/link-inside.txt", "/relative-link.txt", "/link-out.txt", "/dir-out/secret.txt",
            "/dir-out/", "/link-to-hidden"})
    void symlinksAreRefused(String path) throws Exception {
        Curl.Result r = get(path);
        assertEquals(403, r.status, () -> path + ": " + r);
        assertFalse(r.text().contains(TestSite.SECRET));
        assertEquals(null, r.header("ETag"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/.env", "/.git/config", "/.git/", "/sub/.secret", "/%2eenv", "/.git%2fconfig"})
    void dotFilesAndDirectoriesAreHidden(String path) throws Exception {
        Curl.Result r = get(path);
        assertEquals(path.contains("%2f") ? 400 : 404, r.status, () -> path + ": " + r);
        assertFalse(r.text().contains(TestSite.HIDDEN));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aFifoIsRefusedWithoutOpeningIt() throws Exception {
        assertEquals(403, get("/fifo").status);
        assertEquals(403, get("/fifo", "--head").status);
        assertEquals(200, get("/hello.txt").status); // the event loop is not stuck in open(2)
    }

    @Test
    void curlReusesOneConnection() throws Exception {
        String url = server.url("/hello.txt");
        Curl.Result r = curl.fetch("--write-out", "%{num_connects}", url, "-o", "/dev/null", url,
                "-o", "/dev/null", url);
        assertEquals("100", r.written);
    }
}
