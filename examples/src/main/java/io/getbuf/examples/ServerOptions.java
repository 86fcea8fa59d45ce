/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.getbuf.transport.GetBufFileStrategy;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The server's command line, parsed and checked: {@code --name value} or {@code --name=value}; a switch is
 * {@code --name}, {@code --name=true} or {@code --name=false}. An empty value is an error, not a default.
 */
final class ServerOptions {
    static final int DEFAULT_PORT = 8080;
    /** As nginx's open_file_cache_valid would be, much shorter: a second of staleness at most. */
    static final int DEFAULT_CACHE_MILLIS = 1000;
    private static final int MAX_CACHE_MILLIS = 3_600_000;
    static final String DEFAULT_HOST = "127.0.0.1";
    private static final int MAX_PORT = 65535;
    /** A request head must arrive whole within this of its first byte (or of the connection): slowloris. */
    static final int DEFAULT_HEADER_TIMEOUT_MILLIS = 10_000;
    /** A connection with no request in progress and nothing to send is closed after this. */
    static final int DEFAULT_KEEPALIVE_TIMEOUT_MILLIS = 60_000;
    /** A response whose bytes did not move for this long is given up (a reader that stopped reading). */
    static final int DEFAULT_SEND_TIMEOUT_MILLIS = 60_000;
    static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /** Responses queued per connection before its pipelined requests are no longer read. */
    static final int DEFAULT_MAX_PIPELINED = 16;
    /** Bytes read from a connection at a time: what a client can make the server hold of requests not yet read. */
    static final int DEFAULT_READ_BUFFER = 4096;
    static final int MIN_READ_BUFFER = 256;
    static final int DEFAULT_MAX_RANGES = 16;
    static final String DEFAULT_MIME_TYPES = "/etc/mime.types";
    private static final int MAX_MILLIS = 86_400_000;

    private static final Set<String> VALUED = Set.of("--root", "--port", "--host", "--threads", "--transport",
            "--strategy", "--cache-ms", "--cache-entries", "--header-timeout-ms", "--keepalive-timeout-ms",
            "--send-timeout-ms", "--max-connections", "--max-pipelined", "--read-buffer", "--max-ranges",
            "--cache-control", "--mime-types", "--stats", "--stats-path");
    private static final Set<String> SWITCHES = Set.of("--list", "--access-log", "--follow-symlinks",
            "--precompressed", "--help", "-h");

    static final String USAGE = String.join("\n",
            "Usage: java -jar getbuf-file-server.jar [options]",
            "",
            "Serves the files under a directory over HTTP/1.1 (GET and HEAD, keep-alive, pipelining,",
            "conditional and Range requests). Switches take --name, --name=true or --name=false.",
            "",
            "  --root DIR              directory to serve (default: a small site bundled in the jar,",
            "                          unpacked into a temporary directory)",
            "  --port N                TCP port, 0 for any free one (default " + DEFAULT_PORT + ")",
            "  --host ADDR             address to bind (default " + DEFAULT_HOST + "; 0.0.0.0 for all)",
            "  --threads N             event loops (default: one per CPU, "
                    + Runtime.getRuntime().availableProcessors() + " here)",
            "  --transport T           getbuf | epoll | io_uring | nio (default: getbuf where io_uring works,",
            "                          else nio)",
            "  --strategy S            getbuf only, how files are sent: "
                    + Arrays.toString(GetBufFileStrategy.values()) + " (default AUTO)",
            "  --list                  list directories without an index.html (default: 403)",
            "  --follow-symlinks       follow symlinks that stay beneath the root (default: refuse every",
            "                          symlink, 403)",
            "  --precompressed         serve FILE.br or FILE.gz for FILE to clients that accept them",
            "                          (Vary: Accept-Encoding)",
            "  --cache-control V       Cache-Control of files' responses (default: none)",
            "  --mime-types FILE       extra extension-to-type table (default " + DEFAULT_MIME_TYPES
                    + " where present)",
            "  --cache-ms N            keep open files and their fstat for N ms before revalidating (default "
                    + DEFAULT_CACHE_MILLIS + "; 0: open for every request)",
            "  --cache-entries N       open files kept at most, least recently used dropped first (default "
                    + FileCache.DEFAULT_MAX_ENTRIES + ")",
            "  --header-timeout-ms N   a request head must arrive within N ms (default "
                    + DEFAULT_HEADER_TIMEOUT_MILLIS + ")",
            "  --keepalive-timeout-ms N  idle connections close after N ms (default "
                    + DEFAULT_KEEPALIVE_TIMEOUT_MILLIS + ")",
            "  --send-timeout-ms N     a response that does not move for N ms is dropped (default "
                    + DEFAULT_SEND_TIMEOUT_MILLIS + ")",
            "  --max-connections N     beyond N open connections new ones get 503 (default "
                    + DEFAULT_MAX_CONNECTIONS + ")",
            "  --max-pipelined N       responses queued per connection before reading stops (default "
                    + DEFAULT_MAX_PIPELINED + ")",
            "  --read-buffer BYTES     bytes read from a connection at a time (default " + DEFAULT_READ_BUFFER
                    + ")",
            "  --max-ranges N          more byte ranges than N get the whole file (default "
                    + DEFAULT_MAX_RANGES + ")",
            "  --access-log            print one line per request on standard output",
            "  --stats N               print the server's and the event loops' figures every N seconds",
            "  --stats-path PATH       answer GET PATH with those figures (text/plain; default: no such path)",
            "  -h, --help              print this and exit",
            "");

    final Path root; // null: the bundled site
    final int port;
    final String host;
    final int threads;
    final Transport transport;
    /** Why the default transport is not getbuf (it cannot run here); null when getbuf, or one was named. */
    final Throwable transportFallbackCause;
    final GetBufFileStrategy strategy; // null unless the transport is getbuf
    final boolean list;
    final boolean accessLog;
    final boolean followSymlinks;
    final boolean precompressed;
    final String cacheControl;
    final Path mimeTypes; // null: the default file where present
    /** How long open files are kept before revalidation ({@link FileCache}); 0: not at all. */
    final int cacheMillis;
    final int cacheEntries;
    final int headerTimeoutMillis;
    final int keepAliveTimeoutMillis;
    final int sendTimeoutMillis;
    final int maxConnections;
    final int maxPipelined;
    final int readBuffer;
    final int maxRanges;
    final int statsSeconds; // 0: no periodic line
    final String statsPath; // null: no endpoint
    final boolean help;
    /** What the command line asked for that cannot apply here, said at start-up. */
    final List<String> warnings;

    private ServerOptions(Builder b, Transport defaultTransport, Throwable fallbackCause) {
        List<String> warn = new ArrayList<>();
        root = b.root;
        port = b.port;
        host = b.host;
        threads = b.threads;
        if (b.transport == null) {
            transport = defaultTransport;
            transportFallbackCause = transport == Transport.GETBUF ? null : fallbackCause;
        } else {
            transport = b.transport;
            transportFallbackCause = null;
        }
        if (transport == Transport.GETBUF) {
            strategy = b.strategy == null ? GetBufFileStrategy.AUTO : b.strategy;
        } else {
            strategy = null;
            if (b.strategy != null) {
                warn.add("--strategy " + b.strategy + " is ignored: the transport is " + transport
                        + " (getbuf cannot run here)");
            }
        }
        list = b.list;
        accessLog = b.accessLog;
        followSymlinks = b.followSymlinks;
        precompressed = b.precompressed;
        cacheControl = b.cacheControl;
        mimeTypes = b.mimeTypes;
        cacheMillis = b.cacheMillis;
        cacheEntries = b.cacheEntries;
        headerTimeoutMillis = b.headerTimeoutMillis;
        keepAliveTimeoutMillis = b.keepAliveTimeoutMillis;
        sendTimeoutMillis = b.sendTimeoutMillis;
        maxConnections = b.maxConnections;
        maxPipelined = b.maxPipelined;
        readBuffer = b.readBuffer;
        maxRanges = b.maxRanges;
        statsSeconds = b.statsSeconds;
        statsPath = b.statsPath;
        help = b.help;
        warnings = Collections.unmodifiableList(warn);
    }

    /** Thrown for a command line the server cannot run with; the message says what is wrong. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static ServerOptions parse(String... args) throws UsageException {
        Transport defaultTransport = Transport.defaultTransport();
        return parse(defaultTransport, defaultTransport == Transport.GETBUF ? null
                : Transport.GETBUF.unavailabilityCause(), args);
    }

    /** As on a machine whose default transport is {@code defaultTransport} (getbuf unavailable: {@code why}). */
    static ServerOptions parse(Transport defaultTransport, Throwable why, String... args) throws UsageException {
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
            if (SWITCHES.contains(name)) {
                b.setSwitch(name, value == null || switchValue(name, value));
                continue;
            }
            if (!VALUED.contains(name)) {
                throw new UsageException("unknown option '" + name + "' (--help lists them)");
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException(name + " needs a value");
                }
                value = args[++i];
            }
            if (value.isEmpty()) {
                throw new UsageException(name + " needs a value (it is empty)");
            }
            b.set(name, value);
        }
        if (b.strategy != null && b.transport != null && b.transport != Transport.GETBUF) {
            throw new UsageException("--strategy applies to --transport getbuf only");
        }
        return new ServerOptions(b, defaultTransport, why);
    }

    private static boolean switchValue(String name, String value) throws UsageException {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "true":
                return true;
            case "false":
                return false;
            default:
                throw new UsageException(name + ": expected true or false, got '" + value + "'");
        }
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
        boolean followSymlinks;
        boolean precompressed;
        String cacheControl;
        Path mimeTypes;
        int cacheMillis = DEFAULT_CACHE_MILLIS;
        int cacheEntries = FileCache.DEFAULT_MAX_ENTRIES;
        int headerTimeoutMillis = DEFAULT_HEADER_TIMEOUT_MILLIS;
        int keepAliveTimeoutMillis = DEFAULT_KEEPALIVE_TIMEOUT_MILLIS;
        int sendTimeoutMillis = DEFAULT_SEND_TIMEOUT_MILLIS;
        int maxConnections = DEFAULT_MAX_CONNECTIONS;
        int maxPipelined = DEFAULT_MAX_PIPELINED;
        int readBuffer = DEFAULT_READ_BUFFER;
        int maxRanges = DEFAULT_MAX_RANGES;
        int statsSeconds;
        String statsPath;
        boolean help;

        void setSwitch(String name, boolean on) {
            switch (name) {
                case "--list":
                    list = on;
                    break;
                case "--access-log":
                    accessLog = on;
                    break;
                case "--follow-symlinks":
                    followSymlinks = on;
                    break;
                case "--precompressed":
                    precompressed = on;
                    break;
                default: // --help, -h
                    help = on;
            }
        }

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
                case "--cache-entries":
                    cacheEntries = intIn(name, value, 1, 1_000_000);
                    break;
                case "--header-timeout-ms":
                    headerTimeoutMillis = intIn(name, value, 1, MAX_MILLIS);
                    break;
                case "--keepalive-timeout-ms":
                    keepAliveTimeoutMillis = intIn(name, value, 1, MAX_MILLIS);
                    break;
                case "--send-timeout-ms":
                    sendTimeoutMillis = intIn(name, value, 1, MAX_MILLIS);
                    break;
                case "--max-connections":
                    maxConnections = intIn(name, value, 1, Integer.MAX_VALUE);
                    break;
                case "--max-pipelined":
                    maxPipelined = intIn(name, value, 1, 1024);
                    break;
                case "--read-buffer":
                    readBuffer = intIn(name, value, MIN_READ_BUFFER, 1 << 20);
                    break;
                case "--max-ranges":
                    maxRanges = intIn(name, value, 1, 1024);
                    break;
                case "--cache-control":
                    if (value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                        throw new UsageException("--cache-control: control characters in '" + value + "'");
                    }
                    cacheControl = value;
                    break;
                case "--mime-types":
                    mimeTypes = Paths.get(value);
                    break;
                case "--stats":
                    statsSeconds = intIn(name, value, 1, 86_400);
                    break;
                case "--stats-path":
                    if (!value.startsWith("/") || value.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)
                            || value.contains("?") || value.contains("#")) {
                        throw new UsageException("--stats-path: expected a path such as /.stats, got '" + value + "'");
                    }
                    statsPath = value;
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
