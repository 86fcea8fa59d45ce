/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.channel.Channel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.Socket;

import java.net.InetSocketAddress;

/**
 * A listening TCP socket driven by io_uring: a multishot accept while AUTO_READ is on (one
 * submission for any number of connections), a single accept per {@code read()} otherwise.
 */
public final class GetBufServerSocketChannel extends AbstractGetBufServerChannel implements ServerSocketChannel {

    public GetBufServerSocketChannel() {
        this((SocketProtocolFamily) null);
    }

    public GetBufServerSocketChannel(SocketProtocolFamily family) {
        super(GetBufSocket.newStream(family == SocketProtocolFamily.INET6
                || family == null && Socket.isIPv6Preferred()));
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
