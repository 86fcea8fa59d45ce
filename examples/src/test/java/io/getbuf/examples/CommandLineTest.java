/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link StaticFileServer#main} in a JVM of its own, as a user runs it: with no options it serves the bundled site,
 * prints what it runs on and the line scripts wait for, and on SIGTERM the summary, removing the unpacked site.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CommandLineTest {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/");
    private static final Pattern ROOT = Pattern.compile("root: (\\S+) \\(the bundled site");
    private static final long WAIT_MILLIS = 30_000;
    private static final long POLL_MILLIS = 20;

    private static Process java(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), StaticFileServer.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /** Collects the process's output lines on a thread of their own (reads must not block the test). */
    private static List<String> lines(Process p) {
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process is gone
            }
        });
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    private static Matcher awaitLine(List<String> lines, Pattern pattern) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            for (String line : lines) {
                Matcher m = pattern.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
            Thread.sleep(POLL_MILLIS);
        }
        throw new AssertionError("no line matching " + pattern + " in " + lines);
    }

    @Test
    void servesTheBundledSiteAndSummarisesOnSigterm() throws Exception {
        Process p = java("--port", "0");
        try {
            List<String> lines = lines(p);
            int port = Integer.parseInt(awaitLine(lines, LISTENING).group(1));
            Path unpacked = Path.of(awaitLine(lines, ROOT).group(1));
            assertTrue(lines.get(0).startsWith("transport: " + Transport.defaultTransport()), lines::toString);
            try (HttpTestClient client = HttpTestClient.connect(new InetSocketAddress("127.0.0.1", port))) {
                assertTrue(client.exchange(client.get("/")).text().contains("getbuf file server"));
                assertEquals(200, client.exchange(client.get("/samples/hello.txt")).status);
            }
            // SIGTERM; Process.destroy() would also close our end of its output, losing the summary
            p.toHandle().destroy();
            assertTrue(p.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS), "the server did not stop on SIGTERM");
            awaitLine(lines, Pattern.compile("^served 2 requests; file bytes sent by \\w+: \\w+=\\d+"));
            assertFalse(Files.exists(unpacked), "the unpacked site was left behind: " + unpacked);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void helpAndMistakes() throws Exception {
        Process help = java("--help");
        List<String> helpLines = lines(help);
        assertTrue(help.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS));
        assertEquals(0, help.exitValue());
        awaitLine(helpLines, Pattern.compile("--strategy S"));

        Process wrong = java("--port", "nope");
        List<String> wrongLines = lines(wrong);
        assertTrue(wrong.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS));
        assertEquals(2, wrong.exitValue());
        awaitLine(wrongLines, Pattern.compile("--port: expected a number"));
    }
}
