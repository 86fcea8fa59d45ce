/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.getbuf.transport.GetBufFileStrategy;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/** The server's command line, parsed and checked: {@code --name value} or {@code --name=value}. */
final class ServerOptions {
    static final int DEFAULT_PORT = 8080;
    /** As nginx's open_file_cache_valid would be, much shorter: a second of staleness at most. */
    static final int DEFAULT_CACHE_MILLIS = 1000;
    private static final int MAX_CACHE_MILLIS = 3_600_000;
    static final String DEFAULT_HOST = "127.0.0.1";
    private static final int MAX_PORT = 65535;
    private static final Set<String> VALUED =
            Set.of("--root", "--port", "--host", "--threads", "--transport", "--strategy", "--cache-ms");

    static final String USAGE = String.join("\n",
            "Usage: java -jar getbuf-file-server.jar [options]",
            "",
            "Serves the files under a directory over HTTP/1.1 (GET and HEAD, keep-alive, pipelining,",
            "conditional and Range requests).",
            "",
            "  --root DIR         directory to serve (default: a small site bundled in the jar,",
            "                     unpacked into a temporary directory)",
            "  --port N           TCP port, 0 for any free one (default " + DEFAULT_PORT + ")",
            "  --host ADDR        address to bind (default " + DEFAULT_HOST + "; 0.0.0.0 for all)",
            "  --threads N        event loops (default: one per CPU, "
                    + Runtime.getRuntime().availableProcessors() + " here)",
            "  --transport T      getbuf | epoll | io_uring | nio (default: getbuf where io_uring works,",
            "                     else nio)",
            "  --strategy S       getbuf only, how files are sent: "
                    + Arrays.toString(GetBufFileStrategy.values()) + " (default AUTO)",
            "  --list             list directories without an index.html (default: 403)",
            "  --cache-ms N       keep what paths resolved to, and open files, for N ms (default "
                    + DEFAULT_CACHE_MILLIS + "; 0: resolve and open for every request)",
            "  --access-log       print one line per request on standard output",
            "  --help             print this and exit",
            "");

    final Path root; // null: the bundled site
    final int port;
    final String host;
    final int threads;
    final Transport transport;
    final GetBufFileStrategy strategy; // null unless the transport is getbuf
    final boolean list;
    final boolean accessLog;
    /** How long resolved paths and open files are kept ({@link OpenFileCache}); 0: not at all. */
    final int cacheMillis;
    final boolean help;

    private ServerOptions(Builder b) {
        root = b.root;
        port = b.port;
        host = b.host;
        threads = b.threads;
        transport = b.transport == null ? Transport.defaultTransport() : b.transport;
        strategy = transport == Transport.GETBUF
                ? (b.strategy == null ? GetBufFileStrategy.AUTO : b.strategy) : null;
        list = b.list;
        accessLog = b.accessLog;
        cacheMillis = b.cacheMillis;
        help = b.help;
    }

    /** Thrown for a command line the server cannot run with; the message says what is wrong. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static ServerOptions parse(String... args) throws UsageException {
        Builder b = new Builder();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            switch (name) {
                case "--help":
                case "-h":
                    b.help = true;
                    break;
                case "--list":
                    b.list = true;
                    break;
                case "--access-log":
                    b.accessLog = true;
                    break;
                default:
                    if (!VALUED.contains(name)) {
                        throw new UsageException("unknown option '" + name + "' (--help lists them)");
                    }
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new UsageException(name + " needs a value");
                        }
                        value = args[++i];
                    }
                    b.set(name, value);
            }
        }
        if (b.strategy != null && b.transport != null && b.transport != Transport.GETBUF) {
            throw new UsageException("--strategy applies to --transport getbuf only");
        }
        return new ServerOptions(b);
    }

    /** Options for an in-process server (tests): as parsed from {@code args}, which must be valid. */
    static ServerOptions of(String... args) {
        try {
            return parse(args);
        } catch (UsageException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static final class Builder {
        Path root;
        int port = DEFAULT_PORT;
        String host = DEFAULT_HOST;
        int threads = Runtime.getRuntime().availableProcessors();
        Transport transport;
        GetBufFileStrategy strategy;
        boolean list;
        boolean accessLog;
        int cacheMillis = DEFAULT_CACHE_MILLIS;
        boolean help;

        void set(String name, String value) throws UsageException {
            switch (name) {
                case "--root":
                    root = Paths.get(value);
                    break;
                case "--port":
                    port = intIn(name, value, 0, MAX_PORT);
                    break;
                case "--host":
                    host = value;
                    break;
                case "--threads":
                    threads = intIn(name, value, 1, Integer.MAX_VALUE);
                    break;
                case "--transport":
                    transport = Transport.fromCliName(value);
                    if (transport == null) {
                        throw new UsageException("--transport: unknown transport '" + value
                                + "' (getbuf, epoll, io_uring or nio)");
                    }
                    break;
                case "--strategy":
                    try {
                        strategy = GetBufFileStrategy.valueOf(value.toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw new UsageException("--strategy: unknown strategy '" + value + "' (one of "
                                + Arrays.toString(GetBufFileStrategy.values()) + ")");
                    }
                    break;
                case "--cache-ms":
                    cacheMillis = intIn(name, value, 0, MAX_CACHE_MILLIS);
                    break;
                default:
                    throw new AssertionError(name); // VALUED and this switch name the same options
            }
        }

        private static int intIn(String name, String value, int min, int max) throws UsageException {
            try {
                int n = Integer.parseInt(value);
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // fall through to the message below
            }
            throw new UsageException(name + ": expected a number from " + min + " to " + max + ", got '" + value
                    + "'");
        }
    }
}
