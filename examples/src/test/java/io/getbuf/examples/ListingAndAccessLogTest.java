/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The two options that change what is served and printed: {@code --list} and {@code --access-log}. */
@ExtendWith(NoLeaks.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ListingAndAccessLogTest {
    private static final long LOG_WAIT_MILLIS = 5000;
    private static final long POLL_MILLIS = 10;

    @TempDir
    static Path dir;
    static TestServer.Handle server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(TestSite.create(dir).root, "--transport", "getbuf", "--list", "--access-log");
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            server.server.stop();
        }
    }

    @Test
    void aDirectoryWithoutIndexIsListedWithSafeNamesAndNoHiddenOnes() throws Exception {
        try (HttpTestClient client = HttpTestClient.connect(server.server.address())) {
            HttpTestClient.Response page = client.exchange(client.get("/plain/"));
            assertEquals(200, page.status);
            assertEquals("text/html; charset=utf-8", page.header(HttpHeaderNames.CONTENT_TYPE));
            String html = page.text();
            assertTrue(html.contains("<a href=\"file.txt\">file.txt</a>"), html);
            assertTrue(html.contains("<a href=\"nested/\">nested/</a>"), html);
            assertTrue(html.contains("<a href=\"a%20b%26%3Cc%3E.txt\">a b&amp;&lt;c&gt;.txt</a>"), html);
            assertTrue(html.contains("<a href=\"../\">"), html);
            assertFalse(html.contains("hidden"), html);
            // the link works
            assertEquals("odd\n", client.exchange(client.get("/plain/a%20b%26%3Cc%3E.txt")).text());
            // an index.html still wins, and the root has one
            assertEquals(TestSite.INDEX_HTML, client.exchange(client.get("/")).text());
            assertEquals(404, client.exchange(client.get("/.git/")).status);
        }
    }

    @Test
    void eachRequestIsLoggedInCombinedLogFormat() throws Exception {
        try (HttpTestClient client = HttpTestClient.connect(server.server.address())) {
            FullHttpRequest get = client.get("/hello.txt?from=log");
            get.headers().set(HttpHeaderNames.USER_AGENT, "tester \"quoted\"");
            get.headers().set(HttpHeaderNames.REFERER, "http://example/");
            assertEquals(200, client.exchange(get).status);
            assertEquals(404, client.exchange(client.get("/not-there")).status);
        }
        Pattern hello = Pattern.compile("127\\.0\\.0\\.1 - - \\[\\d{2}/\\w{3}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4}] "
                + "\"GET /hello\\.txt\\?from=log HTTP/1\\.1\" 200 " + TestSite.HELLO.length()
                + " \"http://example/\" \"tester \\\\x22quoted\\\\x22\"");
        Pattern missing = Pattern.compile("\"GET /not-there HTTP/1\\.1\" 404 \\d+ \"-\" \"-\"");
        long deadline = System.currentTimeMillis() + LOG_WAIT_MILLIS; // lines are written when the response is sent
        while (!(hello.matcher(server.printed()).find() && missing.matcher(server.printed()).find())
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(POLL_MILLIS);
        }
        assertTrue(hello.matcher(server.printed()).find(), server.printed());
        assertTrue(missing.matcher(server.printed()).find(), server.printed());
    }
}
