/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.netty.handler.codec.http.HttpHeaderNames;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --stats N} prints the server's and its loops' figures; {@code --stats-path} serves them; both move. */
@ExtendWith(NoLeaks.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StatsTest {
    @TempDir
    static Path dir;
    static TestServer.Handle server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(TestSite.create(dir).root, "--transport", "getbuf", "--strategy", "SENDFILE",
                "--stats", "1", "--stats-path", "/.stats");
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            server.server.stop();
        }
    }

    private static long figure(String text, String name) {
        Matcher m = Pattern.compile("\\b" + Pattern.quote(name) + "=(\\d+)").matcher(text);
        assertTrue(m.find(), name + " in:\n" + text);
        return Long.parseLong(m.group(1));
    }

    /** The figures the path serves once the reporter has taken them after {@code responses} responses. */
    private static String statsAfter(HttpTestClient client, long responses) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (;;) {
            HttpTestClient.Response r = client.exchange(client.get("/.stats"));
            assertEquals(200, r.status);
            assertEquals("no-store", r.header(HttpHeaderNames.CACHE_CONTROL));
            String text = r.text();
            if (text.contains("responses=") && figure(text, "responses") >= responses
                    || System.nanoTime() - deadline > 0) {
                return text;
            }
            Thread.sleep(100);
        }
    }

    @Test
    void theFiguresMoveAsTheServerWorks() throws Exception {
        try (HttpTestClient client = HttpTestClient.connect(server.server.address())) {
            String before = statsAfter(client, 0);
            for (int i = 0; i < 5; i++) {
                assertEquals(TestSite.HELLO, client.exchange(client.get("/hello.txt")).text());
            }
            String after = statsAfter(client, figure(before, "responses") + 5);
            assertTrue(figure(after, "responses") >= figure(before, "responses") + 5, after);
            assertTrue(figure(after, "enterCalls") > figure(before, "enterCalls"), after);
            assertTrue(figure(after, "completions") > figure(before, "completions"), after);
            assertTrue(figure(after, "sqesSubmitted") > figure(before, "sqesSubmitted"), after);
            assertTrue(after.contains("stats: files SENDFILE bytes="), after);
            assertTrue(figure(after, "connections") >= 1, after);
        }
        // and every second a copy on the output
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!server.printed().contains("stats: loops=1 ") && System.nanoTime() - deadline < 0) {
            Thread.sleep(50);
        }
        assertTrue(server.printed().contains("stats: loops=1 "), server.printed());
    }

    @Test
    void theOptionsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> ServerOptions.of("--stats", "0"));
        assertThrows(IllegalArgumentException.class, () -> ServerOptions.of("--stats-path", "stats"));
        assertThrows(IllegalArgumentException.class, () -> ServerOptions.of("--stats-path", "/a b"));
        assertEquals("/.stats", ServerOptions.of("--stats-path", "/.stats").statsPath);
        assertEquals(5, ServerOptions.of("--stats", "5").statsSeconds);
    }
}
