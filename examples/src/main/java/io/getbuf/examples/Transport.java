/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.getbuf.transport.GetBuf;
import io.getbuf.transport.GetBufIoHandler;
import io.getbuf.transport.GetBufServerSocketChannel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;

import java.util.Locale;
import java.util.function.Supplier;

/**
 * The transports the server runs on: getbuf, and Netty's own three for comparison. Each is an IoHandler factory
 * and the server channel that goes with it; the native ones say why when they cannot run here.
 */
enum Transport {
    GETBUF("getbuf", GetBufServerSocketChannel.class, GetBufIoHandler::newFactory, GetBuf::unavailabilityCause),
    EPOLL("epoll", EpollServerSocketChannel.class, EpollIoHandler::newFactory, Epoll::unavailabilityCause),
    IO_URING("io_uring", IoUringServerSocketChannel.class, IoUringIoHandler::newFactory,
            IoUring::unavailabilityCause),
    NIO("nio", NioServerSocketChannel.class, NioIoHandler::newFactory, () -> null);

    private final String cliName;
    private final Class<? extends ServerChannel> serverChannel;
    private final Supplier<IoHandlerFactory> factory;
    private final Supplier<Throwable> unavailability;

    Transport(String cliName, Class<? extends ServerChannel> serverChannel, Supplier<IoHandlerFactory> factory,
              Supplier<Throwable> unavailability) {
        this.cliName = cliName;
        this.serverChannel = serverChannel;
        this.factory = factory;
        this.unavailability = unavailability;
    }

    /** The name on the command line ({@code --transport io_uring}). */
    String cliName() {
        return cliName;
    }

    Class<? extends ServerChannel> serverChannelClass() {
        return serverChannel;
    }

    IoHandlerFactory newIoHandlerFactory() {
        return factory.get();
    }

    /** Why this transport cannot run here, or null when it can. */
    Throwable unavailabilityCause() {
        return unavailability.get();
    }

    boolean isAvailable() {
        return unavailabilityCause() == null;
    }

    /** The transport named {@code name} on the command line; null if there is none. */
    static Transport fromCliName(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        for (Transport t : values()) {
            if (t.cliName.equals(wanted)) {
                return t;
            }
        }
        return null;
    }

    /** getbuf where io_uring works, else NIO: what a user who names none gets. */
    static Transport defaultTransport() {
        return GETBUF.isAvailable() ? GETBUF : NIO;
    }

    @Override
    public String toString() {
        return cliName;
    }
}
