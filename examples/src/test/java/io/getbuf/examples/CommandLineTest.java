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
        return java(java.util.Map.of(), args);
    }

    private static Process java(java.util.Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), StaticFileServer.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        return pb.start();
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
            if (Transport.defaultTransport() == Transport.GETBUF) {
                // what AUTO resolved to, and why
                awaitLine(lines, Pattern.compile("^transport: getbuf, file strategy: AUTO \\((GET_BUF|SENDFILE): "));
            }
            awaitLine(lines, Pattern.compile("^paths opened beneath the root with (openat2\\(RESOLVE_BENEATH\\)|an openat)"));
            try (HttpTestClient client = HttpTestClient.connect(new InetSocketAddress("127.0.0.1", port))) {
                assertTrue(client.exchange(client.get("/")).text().contains("getbuf file server"));
                assertEquals(200, client.exchange(client.get("/samples/hello.txt")).status);
            }
            // SIGTERM; Process.destroy() would also close our end of its output, losing the summary
            p.toHandle().destroy();
            assertTrue(p.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS), "the server did not stop on SIGTERM");
            awaitLine(lines, Pattern.compile("^served 2 requests; file bytes sent by \\w+: \\w+=\\d+"));
            if (Transport.defaultTransport() == Transport.GETBUF) {
                // each response took at least one submission and one completion (its head's write) and some
                // iterations of the loop (accepting, reading, writing)
                Matcher ring = awaitLine(lines, Pattern.compile("^ring work per response: sqes=(\\d+\\.\\d\\d) "
                        + "cqes=(\\d+\\.\\d\\d) enters=(\\d+\\.\\d\\d) tableUpdates=\\d+\\.\\d\\d "
                        + "sendfileCalls=\\d+\\.\\d\\d$"));
                for (int g = 1; g <= 3; g++) {
                    assertTrue(Double.parseDouble(ring.group(g)) >= 1, ring.group());
                }
            }
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
        awaitLine(helpLines, Pattern.compile("-h, --help"));

        Process wrong = java("--port", "nope");
        List<String> wrongLines = lines(wrong);
        assertTrue(wrong.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS));
        assertEquals(2, wrong.exitValue());
        awaitLine(wrongLines, Pattern.compile("--port: expected a number"));
    }

    /** Under the C locale the JVM cannot name a non-ASCII file: the server opens request paths as UTF-8 bytes. */
    @Test
    void utf8PathsWorkUnderTheCLocale(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        // the file is made by a shell, in bytes: this JVM's own locale may not name it either
        Process mk = new ProcessBuilder("sh", "-c", "printf 'accented\\n' > \"$0\"/\"$(printf '\\303\\251t\\303\\251')\".txt",
                dir.toString()).redirectErrorStream(true).start();
        assertTrue(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0, "could not make the file");
        Process p = java(java.util.Map.of("LC_ALL", "C", "LANG", "C"), "--root", dir.toString(), "--port", "0",
                "--list");
        try {
            List<String> lines = lines(p);
            int port = Integer.parseInt(awaitLine(lines, LISTENING).group(1));
            try (HttpTestClient client = HttpTestClient.connect(new InetSocketAddress("127.0.0.1", port))) {
                HttpTestClient.Response r = client.exchange(client.get("/%C3%A9t%C3%A9.txt"));
                assertEquals(200, r.status, r::toString);
                assertEquals("accented\n", r.text());
                String listing = client.exchange(client.get("/")).text();
                assertTrue(listing.contains("href=\"%C3%A9t%C3%A9.txt\""), listing);
            }
        } finally {
            p.toHandle().destroy();
            p.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS);
            p.destroyForcibly();
        }
    }

    /** The bundled site's table of options names every option the command line has. */
    @Test
    void theBundledSiteListsEveryOption() throws Exception {
        String page;
        try (var in = StaticFileServer.class.getResourceAsStream(BundledSite.RESOURCE_DIRECTORY + "/index.html")) {
            page = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Matcher m = Pattern.compile("^\\s+(-h, )?(--[a-z-]+)", Pattern.MULTILINE).matcher(ServerOptions.USAGE);
        int options = 0;
        while (m.find()) {
            assertTrue(page.contains("<code>" + m.group(2)), "the site's table lacks " + m.group(2));
            options++;
        }
        assertTrue(options >= 20, "found only " + options + " options in the usage");
    }
}
