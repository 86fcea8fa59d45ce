/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.ServerSocketChannelConfig;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.util.NetUtil;
import io.netty.util.internal.ObjectUtil;

import java.util.Map;

import static io.netty.channel.ChannelOption.SO_BACKLOG;
import static io.netty.channel.ChannelOption.SO_RCVBUF;
import static io.netty.channel.ChannelOption.SO_REUSEADDR;
import static io.netty.channel.ChannelOption.TCP_FASTOPEN;

/** The options of a {@link GetBufServerSocketChannel}. */
public final class GetBufServerSocketChannelConfig extends DefaultChannelConfig implements ServerSocketChannelConfig {
    private final GetBufSocket socket;
    private volatile int backlog = NetUtil.SOMAXCONN;

    GetBufServerSocketChannelConfig(AbstractGetBufServerChannel channel, GetBufSocket socket) {
        super(channel);
        this.socket = socket;
        // a restarted server must be able to bind its port again at once
        setReuseAddress(true);
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(getOptions(super.getOptions(), SO_RCVBUF, SO_REUSEADDR, SO_BACKLOG,
                UnixChannelOption.SO_REUSEPORT, TCP_FASTOPEN),
                LinuxSocketOptions.listenerOptions().toArray(new ChannelOption<?>[0]));
    }

    @SuppressWarnings("unchecked")
    @Override
    public <T> T getOption(ChannelOption<T> option) {
        if (LinuxSocketOptions.isListenerOption(option)) {
            return (T) SocketOptions.get(() -> LinuxSocketOptions.get(socket, option, true));
        }
        if (option == SO_RCVBUF) {
            return (T) Integer.valueOf(getReceiveBufferSize());
        }
        if (option == SO_REUSEADDR) {
            return (T) Boolean.valueOf(isReuseAddress());
        }
        if (option == SO_BACKLOG) {
            return (T) Integer.valueOf(getBacklog());
        }
        if (option == UnixChannelOption.SO_REUSEPORT) {
            return (T) Boolean.valueOf(isReusePort());
        }
        if (option == TCP_FASTOPEN) {
            return (T) Integer.valueOf(getTcpFastOpen());
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (LinuxSocketOptions.isListenerOption(option)) {
            SocketOptions.set(() -> LinuxSocketOptions.set(socket, option, value, true));
            return true;
        }
        if (option == SO_RCVBUF) {
            setReceiveBufferSize((Integer) value);
        } else if (option == SO_REUSEADDR) {
            setReuseAddress((Boolean) value);
        } else if (option == SO_BACKLOG) {
            setBacklog((Integer) value);
        } else if (option == UnixChannelOption.SO_REUSEPORT) {
            setReusePort((Boolean) value);
        } else if (option == TCP_FASTOPEN) {
            setTcpFastOpen((Integer) value);
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    /**
     * {@link ChannelOption#TCP_FASTOPEN}: how many connections may wait for their handshake with the data their SYN
     * carried already delivered (0: off). The kernel accepts data in SYNs only with server Fast Open enabled (sysctl
     * {@code net.ipv4.tcp_fastopen} bit 2, off by default; see {@link GetBuf#isTcpFastOpenServerSideAvailable()});
     * otherwise this has no effect.
     *
     * @return the queue length set on the socket, 0 when Fast Open is off
     * @throws io.netty.channel.ChannelException if the socket option cannot be read
     */
    public int getTcpFastOpen() {
        return SocketOptions.get(socket::getTcpFastOpen);
    }

    /**
     * Sets {@link ChannelOption#TCP_FASTOPEN} (see {@link #getTcpFastOpen()}).
     *
     * @param pending how many connections may wait with their SYN's data, 0 to turn Fast Open off
     * @return this config
     * @throws IllegalArgumentException          if {@code pending} is negative
     * @throws io.netty.channel.ChannelException if the socket option cannot be set
     */
    public GetBufServerSocketChannelConfig setTcpFastOpen(int pending) {
        ObjectUtil.checkPositiveOrZero(pending, "pending");
        SocketOptions.set(() -> socket.setTcpFastOpen(pending));
        return this;
    }

    @Override
    public int getBacklog() {
        return backlog;
    }

    @Override
    public GetBufServerSocketChannelConfig setBacklog(int backlog) {
        this.backlog = ObjectUtil.checkPositiveOrZero(backlog, "backlog");
        return this;
    }

    @Override
    public boolean isReuseAddress() {
        return SocketOptions.get(socket::isReuseAddress);
    }

    @Override
    public GetBufServerSocketChannelConfig setReuseAddress(boolean reuseAddress) {
        SocketOptions.set(() -> socket.setReuseAddress(reuseAddress));
        return this;
    }

    /**
     * {@return whether {@code SO_REUSEPORT} is set: other sockets of the same user may listen on the same address
     * and port, the kernel spreading new connections among them}
     *
     * @throws io.netty.channel.ChannelException if the socket option cannot be read
     */
    public boolean isReusePort() {
        return SocketOptions.get(socket::isReusePort);
    }

    /**
     * {@link io.netty.channel.unix.UnixChannelOption#SO_REUSEPORT}: lets several listening sockets of the same user
     * bind the same address and port (one per event loop, say), the kernel spreading new connections among them.
     * Set it before binding.
     *
     * @param reusePort true to allow sharing the address and port
     * @return this config
     * @throws io.netty.channel.ChannelException if the socket option cannot be set
     */
    public GetBufServerSocketChannelConfig setReusePort(boolean reusePort) {
        SocketOptions.set(() -> socket.setReusePort(reusePort));
        return this;
    }

    @Override
    public int getReceiveBufferSize() {
        return SocketOptions.get(socket::getReceiveBufferSize);
    }

    @Override
    public GetBufServerSocketChannelConfig setReceiveBufferSize(int receiveBufferSize) {
        SocketOptions.set(() -> socket.setReceiveBufferSize(receiveBufferSize));
        return this;
    }

    @Override
    public GetBufServerSocketChannelConfig setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
        return this;
    }

    @Override
    public GetBufServerSocketChannelConfig setConnectTimeoutMillis(int connectTimeoutMillis) {
        super.setConnectTimeoutMillis(connectTimeoutMillis);
        return this;
    }

    @Override
    @Deprecated
    public GetBufServerSocketChannelConfig setMaxMessagesPerRead(int maxMessagesPerRead) {
        super.setMaxMessagesPerRead(maxMessagesPerRead);
        return this;
    }

    @Override
    public GetBufServerSocketChannelConfig setWriteSpinCount(int writeSpinCount) {
        super.setWriteSpinCount(writeSpinCount);
        return this;
    }

    @Override
    public GetBufServerSocketChannelConfig setAllocator(ByteBufAllocator allocator) {
        super.setAllocator(allocator);
        return this;
    }

    @Override
    public GetBufServerSocketChannelConfig setRecvByteBufAllocator(RecvByteBufAllocator allocator) {
        super.setRecvByteBufAllocator(allocator);
        return this;
    }

    @Override
    public GetBufServerSocketChannelConfig setAutoRead(boolean autoRead) {
        super.setAutoRead(autoRead);
        return this;
    }

    @Override
    @Deprecated
    public GetBufServerSocketChannelConfig setWriteBufferHighWaterMark(int writeBufferHighWaterMark) {
        super.setWriteBufferHighWaterMark(writeBufferHighWaterMark);
        return this;
    }

    @Override
    @Deprecated
    public GetBufServerSocketChannelConfig setWriteBufferLowWaterMark(int writeBufferLowWaterMark) {
        super.setWriteBufferLowWaterMark(writeBufferLowWaterMark);
        return this;
    }

    @Override
    public GetBufServerSocketChannelConfig setWriteBufferWaterMark(WriteBufferWaterMark writeBufferWaterMark) {
        super.setWriteBufferWaterMark(writeBufferWaterMark);
        return this;
    }

    @Override
    public GetBufServerSocketChannelConfig setMessageSizeEstimator(MessageSizeEstimator estimator) {
        super.setMessageSizeEstimator(estimator);
        return this;
    }

    @Override
    protected void autoReadCleared() {
        ((AbstractGetBufChannel) channel).clearReadPending();
    }
}
