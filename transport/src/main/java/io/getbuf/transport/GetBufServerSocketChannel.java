/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.channel.Channel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;

import java.net.InetSocketAddress;

/**
 * A listening TCP socket driven by io_uring: a multishot accept while AUTO_READ is on (one
 * submission for any number of connections), a single accept per {@code read()} otherwise.
 */
public final class GetBufServerSocketChannel extends AbstractGetBufServerChannel implements ServerSocketChannel {

    /**
     * A new, unbound listening channel, IPv6 (which accepts IPv4 peers too) where the system prefers it, else IPv4:
     * what {@code new GetBufServerSocketChannel(null)} makes.
     *
     * @throws io.netty.channel.ChannelException if the socket cannot be created (no descriptor left)
     */
    public GetBufServerSocketChannel() {
        this((SocketProtocolFamily) null);
    }

    /**
     * A new, unbound listening channel of {@code family}.
     *
     * @param family {@link SocketProtocolFamily#INET} or {@link SocketProtocolFamily#INET6}; {@code null} for
     *               IPv6 where the system prefers it (it has IPv6 and {@code java.net.preferIPv4Stack} is not set),
     *               else IPv4
     * @throws IllegalArgumentException          for {@link SocketProtocolFamily#UNIX}: that is
     *                                           {@link GetBufServerDomainSocketChannel}
     * @throws io.netty.channel.ChannelException if the socket cannot be created (no descriptor left)
     */
    public GetBufServerSocketChannel(SocketProtocolFamily family) {
        super(GetBufSocket.newStream(GetBufSocket.ipv6For(family, "GetBufServerDomainSocketChannel")));
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return null;
    }

    @Override
    Channel newChildChannel(GetBufSocket child) {
        return new GetBufSocketChannel(this, child, true);
    }
}
