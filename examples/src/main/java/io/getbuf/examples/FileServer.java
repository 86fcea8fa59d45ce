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
    private OpenFileCache files; // set once, in the constructor
    private String summary; // set by the first stop()

    private FileServer(ServerOptions options, SiteRoot site, PrintStream accessLogOut) throws InterruptedException {
        this.transport = options.transport;
        this.strategy = options.strategy;
        this.root = site.path();
        group = new MultiThreadIoEventLoopGroup(options.threads, transport.newIoHandlerFactory());
        boolean bound = false;
        try {
            files = new OpenFileCache(site, TimeUnit.MILLISECONDS.toNanos(options.cacheMillis));
            FileService service = new FileService(files, options.list);
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannelClass())
                    .option(ChannelOption.SO_BACKLOG, ACCEPT_BACKLOG)
                    // HttpFileHandler asks for each request (FlowControlHandler), see there
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new FileServerInitializer(service, stats,
                            options.accessLog ? new AccessLog(accessLogOut) : null));
            if (transport == Transport.GETBUF) {
                bootstrap.childOption(GetBufChannelOption.FILE_STRATEGY, strategy);
            }
            serverChannel = bootstrap.bind(new InetSocketAddress(options.host, options.port)).sync().channel();
            bound = true;
        } finally {
            if (!bound) {
                group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
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
        return new FileServer(options, new SiteRoot(root), out);
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

    /** Responses sent completely so far. */
    long responses() {
        return stats.responses();
    }

    /** The event loops. */
    EventLoopGroup group() {
        return group;
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
            group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                    .await(2 * SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            files.close();
        }
        return summary;
    }
}
