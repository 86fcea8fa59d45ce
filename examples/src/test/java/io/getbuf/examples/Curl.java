/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's curl as a client. {@link #ensureInstalled} installs it with apt-get where it is missing (and fails the
 * test, saying why, when that does not work). Each run is bounded by {@link #MAX_SECONDS}; headers and body are
 * written to files and read back, so binary bodies compare byte for byte.
 */
final class Curl {
    static final int MAX_SECONDS = 20;
    private static final int INSTALL_MINUTES = 5;
    private static volatile boolean installed;

    private final Path scratch;

    Curl(Path scratch) {
        this.scratch = scratch;
    }

    /** What one curl run got: the last response's status, its headers (names in lower case) and its body. */
    static final class Result {
        final int status;
        final Map<String, String> headers;
        final byte[] body;
        final String written; // what -w printed

        Result(int status, Map<String, String> headers, byte[] body, String written) {
            this.status = status;
            this.headers = headers;
            this.body = body;
            this.written = written;
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return status + " " + headers + " (" + body.length + " bytes)";
        }
    }

    static synchronized void ensureInstalled() throws IOException, InterruptedException {
        if (installed) {
            return;
        }
        if (run(List.of("curl", "--version"), 1) != 0) {
            int rc = run(List.of("apt-get", "install", "-y", "curl"), (int) TimeUnit.MINUTES.toSeconds(INSTALL_MINUTES));
            if (rc != 0 || run(List.of("curl", "--version"), 1) != 0) {
                fail("curl is missing and 'apt-get install -y curl' failed (exit " + rc + "): install curl");
            }
        }
        installed = true;
    }

    private static int run(List<String> command, int seconds) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(Math.max(seconds, MAX_SECONDS), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1; // not installed
        }
    }

    /** Runs curl with {@code args} (the URL among them) and returns what it got; curl must exit 0. */
    Result fetch(String... args) throws IOException, InterruptedException {
        Path headers = Files.createTempFile(scratch, "headers", ".txt");
        Path body = Files.createTempFile(scratch, "body", ".bin");
        List<String> command = new ArrayList<>(List.of("curl", "--silent", "--show-error",
                "--max-time", Integer.toString(MAX_SECONDS), "--dump-header", headers.toString(),
                "--output", body.toString()));
        command.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] printed = p.getInputStream().readAllBytes(); // ends when curl does (bounded by --max-time)
        if (!p.waitFor(MAX_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("curl did not finish: " + command);
        }
        String out = new String(printed, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), () -> "curl failed: " + command + "\n" + out);
        return parse(Files.readAllLines(headers, StandardCharsets.ISO_8859_1), Files.readAllBytes(body), out);
    }

    /** The headers file holds every response curl saw (redirects, 100s); the last one counts. */
    private static Result parse(List<String> lines, byte[] body, String written) {
        int status = -1;
        Map<String, String> headers = new HashMap<>();
        for (String line : lines) {
            if (line.startsWith("HTTP/")) {
                status = Integer.parseInt(line.split(" ")[1]);
                headers.clear();
            } else {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            line.substring(colon + 1).trim());
                }
            }
        }
        return new Result(status, headers, body, written);
    }
}
