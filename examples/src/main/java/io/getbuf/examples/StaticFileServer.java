/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.getbuf.transport.GetBuf;
import io.getbuf.transport.GetBufFileStrategy;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The static file server's command line: {@code java -jar getbuf-file-server.jar --help}. Starts a
 * {@link FileServer}, says on standard output what it runs on and, once bound, {@code listening on
 * http://host:port/} (scripts wait for that line); on SIGINT or SIGTERM prints the summary of what was served.
 */
public final class StaticFileServer {
    private static final int USAGE_ERROR = 2;
    private static final int START_ERROR = 1;

    private StaticFileServer() {
    }

    public static void main(String[] args) throws InterruptedException {
        ServerOptions options;
        try {
            options = ServerOptions.parse(args);
        } catch (ServerOptions.UsageException e) {
            System.err.println("getbuf-file-server: " + e.getMessage());
            System.err.print(ServerOptions.USAGE);
            System.exit(USAGE_ERROR);
            return;
        }
        if (options.help) {
            System.out.print(ServerOptions.USAGE);
            return;
        }
        PrintStream out = System.out;
        Path bundled = null;
        FileServer server;
        try {
            bundled = options.root == null ? BundledSite.unpack() : null;
            server = FileServer.start(options, bundled != null ? bundled : options.root, out);
        } catch (IOException | RuntimeException e) {
            System.err.println("getbuf-file-server: cannot start: " + e);
            deleteQuietly(bundled);
            System.exit(START_ERROR);
            return;
        }
        printStartup(out, options, server, bundled != null);
        Path unpacked = bundled;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                out.println(server.stop());
                String ring = server.ringWork();
                if (ring != null) {
                    out.println(ring);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            deleteQuietly(unpacked);
            out.flush();
        }, "getbuf-file-server-shutdown"));
        Thread.currentThread().join(); // serve until the JVM is told to stop
    }

    private static void printStartup(PrintStream out, ServerOptions options, FileServer server, boolean bundled) {
        for (String warning : options.warnings) {
            System.err.println("getbuf-file-server: warning: " + warning);
        }
        out.println("transport: " + server.transport()
                + (options.transportFallbackCause != null
                        ? " (getbuf cannot run here: " + options.transportFallbackCause.getMessage() + ")" : "")
                + (server.strategy() != null ? ", file strategy: " + describe(server.strategy()) : ""));
        if (server.transport() == Transport.GETBUF) {
            out.println(GetBuf.describe());
        }
        out.println("paths opened beneath the root with " + (server.usesOpenat2() ? "openat2(RESOLVE_BENEATH)"
                : "an openat(O_NOFOLLOW) walk (no openat2 in this kernel)")
                + (options.followSymlinks ? "; symlinks followed within the root" : "; symlinks refused"));
        out.println("root: " + server.root() + (bundled ? " (the bundled site; --root DIR serves another)" : ""));
        out.println("listening on http://" + hostForUrl(server) + ':' + server.address().getPort() + '/');
        out.flush();
    }

    /**
     * The strategy, and for AUTO what it picks here: GET_BUF where the kernel has it, else SENDFILE (the rule of
     * the transport's FileSendStrategies, which measured SENDFILE ahead of the rest without GET_BUF).
     */
    static String describe(GetBufFileStrategy strategy) {
        if (strategy != GetBufFileStrategy.AUTO) {
            return strategy.name();
        }
        return GetBuf.isGetBufSupported() ? "AUTO (GET_BUF: this kernel has IORING_OP_GET_BUF)"
                : "AUTO (SENDFILE: this kernel has no IORING_OP_GET_BUF)";
    }

    private static String hostForUrl(FileServer server) {
        String host = server.address().getAddress().getHostAddress();
        return host.indexOf(':') >= 0 ? '[' + host + ']' : host;
    }

    private static void deleteQuietly(Path directory) {
        if (directory == null) {
            return;
        }
        try {
            BundledSite.delete(directory);
        } catch (IOException e) {
            System.err.println("getbuf-file-server: could not remove " + directory + ": " + e);
        }
    }
}
