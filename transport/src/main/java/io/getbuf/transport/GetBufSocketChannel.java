/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.channel.Channel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;

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

    /**
     * A new, unconnected TCP channel, IPv6 (which reaches IPv4 peers too) where the system prefers it, else IPv4:
     * what {@code new GetBufSocketChannel(null)} makes.
     *
     * @throws io.netty.channel.ChannelException if the socket cannot be created (no descriptor left)
     */
    public GetBufSocketChannel() {
        this((SocketProtocolFamily) null);
    }

    /**
     * A new, unconnected TCP channel of {@code family}.
     *
     * @param family {@link SocketProtocolFamily#INET} or {@link SocketProtocolFamily#INET6}; {@code null} for
     *               IPv6 where the system prefers it (it has IPv6 and {@code java.net.preferIPv4Stack} is not set),
     *               else IPv4
     * @throws IllegalArgumentException          for {@link SocketProtocolFamily#UNIX}: that is
     *                                           {@link GetBufDomainSocketChannel}
     * @throws io.netty.channel.ChannelException if the socket cannot be created (no descriptor left)
     */
    public GetBufSocketChannel(SocketProtocolFamily family) {
        this(null, GetBufSocket.newStream(GetBufSocket.ipv6For(family, "GetBufDomainSocketChannel")), false);
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
