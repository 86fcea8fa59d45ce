/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Starts the server in-process on 127.0.0.1, a free port and one event loop, with the command-line options given;
 * what it prints (the access log) is kept. A transport this machine cannot run is a skip, or a failure under
 * {@code -Dgetbuf.test.requireIoUring=true} (CI), where skipping would hide a broken machine.
 */
final class TestServer {
    static final String REQUIRE_PROPERTY = "getbuf.test.requireIoUring";
    private static final long COUNTERS_WAIT_SECONDS = 10;

    private TestServer() {
    }

    /** A started server and what it printed. */
    static final class Handle {
        final FileServer server;
        private final ByteArrayOutputStream printed;

        Handle(FileServer server, ByteArrayOutputStream printed) {
            this.server = server;
            this.printed = printed;
        }

        String url(String path) {
            return "http://127.0.0.1:" + server.address().getPort() + path;
        }

        String printed() {
            return printed.toString(StandardCharsets.UTF_8); // synchronized with the server's prints
        }

        /**
         * Waits (10 s at most) until the server has counted {@code responses} responses sent and {@code fileBytes}
         * bytes of files, and returns the file bytes per way of sending. The loop counts a send when it sees its
         * completion, which can be after the client has read every byte of it.
         */
        Map<String, Long> awaitSent(long responses, long fileBytes) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(COUNTERS_WAIT_SECONDS);
            Map<String, Long> bytes = server.fileBytes();
            while ((server.responses() < responses || sum(bytes) < fileBytes) && System.nanoTime() - deadline < 0) {
                Thread.sleep(1);
                bytes = server.fileBytes();
            }
            return bytes;
        }

        private static long sum(Map<String, Long> bytes) {
            return bytes.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    static Handle start(Path root, String... options) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--host", "127.0.0.1", "--port", "0", "--threads", "1"));
        args.addAll(Arrays.asList(options));
        ServerOptions parsed = ServerOptions.of(args.toArray(new String[0]));
        assumeRunnable(parsed.transport);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
        return new Handle(FileServer.start(parsed, root, out), printed);
    }

    static void assumeRunnable(Transport transport) {
        Throwable cause = transport.unavailabilityCause();
        if (cause == null) {
            return;
        }
        String why = "the " + transport + " transport cannot run here: " + cause;
        if (Boolean.getBoolean(REQUIRE_PROPERTY)) {
            fail(why + " (and -D" + REQUIRE_PROPERTY + "=true says this machine must run it)");
        }
        assumeTrue(false, why);
    }
}
