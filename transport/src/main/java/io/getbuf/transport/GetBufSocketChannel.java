/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.channel.Channel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.Socket;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.UnresolvedAddressException;

/**
 * A TCP connection driven by io_uring: recv (plain, or multishot from the event loop's
 * provided-buffer ring), send / writev, connect, all as ring operations. A write in flight holds
 * its own references to the buffers it sends, so closing or shutting down the channel while
 * the kernel still reads them is safe: the buffers are released when the write completes.
 */
public final class GetBufSocketChannel extends AbstractGetBufStreamChannel implements SocketChannel {
    private final GetBufSocketChannelConfig config;

    public GetBufSocketChannel() {
        this((SocketProtocolFamily) null);
    }

    public GetBufSocketChannel(SocketProtocolFamily family) {
        this(null, GetBufSocket.newStream(family == SocketProtocolFamily.INET6
                || family == null && Socket.isIPv6Preferred()), false);
    }

    GetBufSocketChannel(Channel parent, GetBufSocket socket, boolean active) {
        super(parent, socket, active);
        config = new GetBufSocketChannelConfig(this, socket);
    }

    @Override
    public GetBufSocketChannelConfig config() {
        return config;
    }

    @Override
    public ServerSocketChannel parent() {
        return (ServerSocketChannel) super.parent();
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) super.remoteAddress();
    }

    @Override
    int sockaddrCapacity() {
        return Sockaddr.MAX_SIZE;
    }

    @Override
    int writeSockaddr(long addr, SocketAddress remote) {
        if (!(remote instanceof InetSocketAddress)) {
            throw new UnsupportedOperationException("unsupported address type: " + remote);
        }
        InetSocketAddress inet = (InetSocketAddress) remote;
        if (inet.isUnresolved()) {
            throw new UnresolvedAddressException();
        }
        return Sockaddr.write(addr, inet, socket.isIpv6());
    }
}
