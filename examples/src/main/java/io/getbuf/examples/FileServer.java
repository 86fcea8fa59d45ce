/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.getbuf.transport.GetBufChannelOption;
import io.getbuf.transport.GetBufFileStrategy;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A running server: the event loops of the chosen transport and the bound socket. Started by the command line and
 * in-process by the tests; {@link #stop()} returns the summary of what it served.
 */
final class FileServer {
    private static final int ACCEPT_BACKLOG = 1024;
    private static final int SHUTDOWN_TIMEOUT_SECONDS = 5;

    private final Transport transport;
    private final GetBufFileStrategy strategy;
    private final Path root;
    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final ServerStats stats = new ServerStats();
    private final SiteRoot site;
    private final FileCache files;
    private final AccessLog accessLog; // null: none
    private final FileServerInitializer initializer;
    private final StatsReporter reporter; // null: neither --stats nor --stats-path
    private String summary; // set by the first stop()
    private String ringWork; // set by the first stop(), on getbuf

    private FileServer(ServerOptions options, SiteRoot site, ContentTypes types, PrintStream accessLogOut)
            throws InterruptedException {
        this.transport = options.transport;
        this.strategy = options.strategy;
        this.site = site;
        this.root = site.path();
        files = new FileCache(site, TimeUnit.MILLISECONDS.toNanos(options.cacheMillis), options.cacheEntries);
        accessLog = options.accessLog ? new AccessLog(accessLogOut) : null;
        group = new MultiThreadIoEventLoopGroup(options.threads, transport.newIoHandlerFactory());
        reporter = options.statsSeconds > 0 || options.statsPath != null
                ? new StatsReporter(transport, group, stats, this::connections, options.statsSeconds, accessLogOut)
                : null;
        boolean bound = false;
        try {
            FileService service = new FileService(files, options, types,
                    reporter == null ? () -> "" : reporter::text);
            initializer = new FileServerInitializer(service, stats, accessLog, options);
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannelClass())
                    .option(ChannelOption.SO_BACKLOG, ACCEPT_BACKLOG)
                    // HttpFileHandler asks for each request (FlowControlHandler), see there
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    // what one read may take of a client's pipelined requests: a small, fixed amount
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(options.readBuffer))
                    .childHandler(initializer);
            if (transport == Transport.GETBUF) {
                bootstrap.childOption(GetBufChannelOption.FILE_STRATEGY, strategy);
            }
            serverChannel = bootstrap.bind(new InetSocketAddress(options.host, options.port)).sync().channel();
            bound = true;
        } finally {
            if (!bound) {
                if (reporter != null) {
                    reporter.close();
                }
                group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                files.close();
                site.close();
                if (accessLog != null) {
                    accessLog.close();
                }
            }
        }
    }

    /**
     * Starts serving {@code root} as {@code options} say; access log lines (with {@code --access-log}) go to
     * {@code out}. Fails with {@link IllegalStateException} when the transport cannot run here, with an IOException
     * when the root is not a directory, and with the bind's exception when the address is taken.
     */
    static FileServer start(ServerOptions options, Path root, PrintStream out)
            throws IOException, InterruptedException {
        Throwable unavailable = options.transport.unavailabilityCause();
        if (unavailable != null) {
            throw new IllegalStateException("the " + options.transport + " transport cannot run here: "
                    + unavailable, unavailable);
        }
        ContentTypes types = ContentTypes.load(options.mimeTypes != null ? options.mimeTypes
                : java.nio.file.Paths.get(ServerOptions.DEFAULT_MIME_TYPES), options.mimeTypes != null);
        SiteRoot site = new SiteRoot(root, options.followSymlinks);
        try {
            return new FileServer(options, site, types, out);
        } catch (RuntimeException | InterruptedException e) {
            site.close();
            throw e;
        }
    }

    InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    Transport transport() {
        return transport;
    }

    /** The strategy asked of getbuf channels; null on other transports. */
    GetBufFileStrategy strategy() {
        return strategy;
    }

    Path root() {
        return root;
    }

    /** Bytes of files sent so far per way of sending, as the summary counts them (getbuf: per strategy). */
    Map<String, Long> fileBytes() {
        return stats.fileBytes(transport, group);
    }

    /** The open-file cache (tests). */
    FileCache files() {
        return files;
    }

    /** Counters (tests). */
    ServerStats stats() {
        return stats;
    }

    /** Connections open now. */
    int connections() {
        return initializer == null ? 0 : initializer.connections(); // null: read by the stats timer while starting
    }

    /** Whether requests' paths are opened with openat2 (else the openat walk). */
    boolean usesOpenat2() {
        return site.usesOpenat2();
    }

    /** Responses sent completely so far. */
    long responses() {
        return stats.responses();
    }

    /** The event loops. */
    EventLoopGroup group() {
        return group;
    }

    /**
     * On getbuf, what the loops did per response over the server's life ({@link ServerStats#ringWork}), as
     * {@link #stop} found it; null before that or on other transports.
     */
    synchronized String ringWork() {
        return ringWork;
    }

    /** The summary line now, while serving. */
    String summary() {
        return stats.summary(transport, group);
    }

    /**
     * Stops accepting, closes the connections, and returns the summary of what was served. Idempotent. Every wait is
     * bounded: a loop stuck in a system call must not hang the shutdown hook (or a test) forever.
     */
    synchronized String stop() throws InterruptedException {
        if (summary == null) {
            serverChannel.close().await(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            summary = summary(); // before the loops stop: their counters go with them
            try {
                ringWork = stats.ringWork(transport, group);
            } catch (Exception e) {
                ringWork = "ring work per response: unavailable (" + e + ')';
            }
            if (reporter != null) {
                reporter.close();
            }
            group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                    .await(2 * SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            files.close();
            site.close();
            if (accessLog != null) {
                accessLog.close();
                if (accessLog.dropped() > 0) {
                    summary += "; access log lines dropped (output too slow): " + accessLog.dropped();
                }
            }
        }
        return summary;
    }
}
