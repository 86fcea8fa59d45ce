/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.channel.Channel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.ServerDomainSocketChannel;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.File;
import java.net.SocketAddress;

/**
 * A listening Unix domain stream socket driven by io_uring; its children are {@link GetBufDomainSocketChannel}s.
 * Bound to a path, it unlinks a stale socket file there first and deletes its own when it closes (as Netty's
 * transports do); an abstract name ({@code "\0name"}) has no file and vanishes with the socket.
 */
public final class GetBufServerDomainSocketChannel extends AbstractGetBufServerChannel
        implements ServerDomainSocketChannel {
    private static final InternalLogger logger = InternalLoggerFactory.getInstance(
            GetBufServerDomainSocketChannel.class);

    /**
     * A new, unbound Unix domain listening channel; once bound to a path it deletes its socket file when it closes.
     *
     * @throws io.netty.channel.ChannelException if the socket cannot be created (no descriptor left)
     */
    public GetBufServerDomainSocketChannel() {
        super(GetBufSocket.newDomain());
        closeFuture().addListener(f -> deleteSocketFile());
    }

    @Override
    public DomainSocketAddress localAddress() {
        return (DomainSocketAddress) super.localAddress();
    }

    @Override
    public DomainSocketAddress remoteAddress() {
        return null;
    }

    @Override
    SocketAddress localAddressOfSocket() {
        try {
            return io.getbuf.transport.internal.UnixSockets.address(socket.intValue(), false);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    @Override
    SocketAddress remoteAddressOfSocket() {
        return null;
    }

    @Override
    Channel newChildChannel(GetBufSocket child) {
        return new GetBufDomainSocketChannel(this, child, true);
    }

    private void deleteSocketFile() {
        DomainSocketAddress bound = localAddress();
        if (bound == null || bound.path().isEmpty() || bound.path().charAt(0) == '\0') {
            return; // never bound, or an abstract name: no file
        }
        File file = new File(bound.path());
        if (!file.delete() && file.exists()) {
            logger.debug("could not delete the socket file {}", file);
        }
    }
}
