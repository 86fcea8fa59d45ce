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
import io.netty.channel.socket.SocketChannelConfig;
import io.netty.channel.unix.UnixChannelOption;

import java.util.Map;

import static io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE;
import static io.netty.channel.ChannelOption.IP_TOS;
import static io.netty.channel.ChannelOption.SO_KEEPALIVE;
import static io.netty.channel.ChannelOption.SO_LINGER;
import static io.netty.channel.ChannelOption.SO_RCVBUF;
import static io.netty.channel.ChannelOption.SO_REUSEADDR;
import static io.netty.channel.ChannelOption.SO_SNDBUF;
import static io.netty.channel.ChannelOption.TCP_FASTOPEN_CONNECT;
import static io.netty.channel.ChannelOption.TCP_NODELAY;

/** The options of a {@link GetBufSocketChannel}; socket options go straight to the socket. */
public final class GetBufSocketChannelConfig extends DefaultChannelConfig implements SocketChannelConfig,
        AbstractGetBufStreamChannel.StreamConfig {
    private final GetBufSocket socket;
    private volatile boolean allowHalfClosure;
    private volatile boolean useBufferRing = true;
    private volatile GetBufFileStrategy fileStrategy = GetBufFileStrategy.AUTO;

    GetBufSocketChannelConfig(GetBufSocketChannel channel, GetBufSocket socket) {
        super(channel);
        this.socket = socket;
        // as Netty's other native transports: latency over batching unless the user says otherwise
        setTcpNoDelay(true);
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(getOptions(super.getOptions(), SO_RCVBUF, SO_SNDBUF, TCP_NODELAY, SO_KEEPALIVE, SO_REUSEADDR,
                SO_LINGER, IP_TOS, ALLOW_HALF_CLOSURE, UnixChannelOption.SO_REUSEPORT, GetBufChannelOption.TCP_CORK,
                GetBufChannelOption.TCP_QUICKACK, GetBufChannelOption.USE_BUFFER_RING, TCP_FASTOPEN_CONNECT,
                GetBufChannelOption.FILE_STRATEGY), LinuxSocketOptions.streamOptions().toArray(new ChannelOption<?>[0]));
    }

    @SuppressWarnings("unchecked")
    @Override
    public <T> T getOption(ChannelOption<T> option) {
        if (LinuxSocketOptions.isStreamOption(option)) {
            return (T) SocketOptions.get(() -> LinuxSocketOptions.get(socket, option, false));
        }
        if (option == SO_RCVBUF) {
            return (T) Integer.valueOf(getReceiveBufferSize());
        }
        if (option == SO_SNDBUF) {
            return (T) Integer.valueOf(getSendBufferSize());
        }
        if (option == TCP_NODELAY) {
            return (T) Boolean.valueOf(isTcpNoDelay());
        }
        if (option == SO_KEEPALIVE) {
            return (T) Boolean.valueOf(isKeepAlive());
        }
        if (option == SO_REUSEADDR) {
            return (T) Boolean.valueOf(isReuseAddress());
        }
        if (option == SO_LINGER) {
            return (T) Integer.valueOf(getSoLinger());
        }
        if (option == IP_TOS) {
            return (T) Integer.valueOf(getTrafficClass());
        }
        if (option == ALLOW_HALF_CLOSURE) {
            return (T) Boolean.valueOf(isAllowHalfClosure());
        }
        if (option == UnixChannelOption.SO_REUSEPORT) {
            return (T) Boolean.valueOf(isReusePort());
        }
        if (option == GetBufChannelOption.TCP_CORK) {
            return (T) Boolean.valueOf(isTcpCork());
        }
        if (option == GetBufChannelOption.TCP_QUICKACK) {
            return (T) Boolean.valueOf(isTcpQuickAck());
        }
        if (option == GetBufChannelOption.USE_BUFFER_RING) {
            return (T) Boolean.valueOf(isUseBufferRing());
        }
        if (option == TCP_FASTOPEN_CONNECT) {
            return (T) Boolean.valueOf(isTcpFastOpenConnect());
        }
        if (option == GetBufChannelOption.FILE_STRATEGY) {
            return (T) getFileStrategy();
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (LinuxSocketOptions.isStreamOption(option)) {
            SocketOptions.set(() -> LinuxSocketOptions.set(socket, option, value, false));
            return true;
        }
        if (option == SO_RCVBUF) {
            setReceiveBufferSize((Integer) value);
        } else if (option == SO_SNDBUF) {
            setSendBufferSize((Integer) value);
        } else if (option == TCP_NODELAY) {
            setTcpNoDelay((Boolean) value);
        } else if (option == SO_KEEPALIVE) {
            setKeepAlive((Boolean) value);
        } else if (option == SO_REUSEADDR) {
            setReuseAddress((Boolean) value);
        } else if (option == SO_LINGER) {
            setSoLinger((Integer) value);
        } else if (option == IP_TOS) {
            setTrafficClass((Integer) value);
        } else if (option == ALLOW_HALF_CLOSURE) {
            setAllowHalfClosure((Boolean) value);
        } else if (option == UnixChannelOption.SO_REUSEPORT) {
            setReusePort((Boolean) value);
        } else if (option == GetBufChannelOption.TCP_CORK) {
            setTcpCork((Boolean) value);
        } else if (option == GetBufChannelOption.TCP_QUICKACK) {
            setTcpQuickAck((Boolean) value);
        } else if (option == GetBufChannelOption.USE_BUFFER_RING) {
            setUseBufferRing((Boolean) value);
        } else if (option == TCP_FASTOPEN_CONNECT) {
            setTcpFastOpenConnect((Boolean) value);
        } else if (option == GetBufChannelOption.FILE_STRATEGY) {
            setFileStrategy((GetBufFileStrategy) value);
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    @Override
    public int getReceiveBufferSize() {
        return SocketOptions.get(socket::getReceiveBufferSize);
    }

    @Override
    public GetBufSocketChannelConfig setReceiveBufferSize(int size) {
        SocketOptions.set(() -> socket.setReceiveBufferSize(size));
        return this;
    }

    @Override
    public int getSendBufferSize() {
        return SocketOptions.get(socket::getSendBufferSize);
    }

    @Override
    public GetBufSocketChannelConfig setSendBufferSize(int size) {
        SocketOptions.set(() -> socket.setSendBufferSize(size));
        return this;
    }

    @Override
    public boolean isTcpNoDelay() {
        return SocketOptions.get(socket::isTcpNoDelay);
    }

    @Override
    public GetBufSocketChannelConfig setTcpNoDelay(boolean tcpNoDelay) {
        SocketOptions.set(() -> socket.setTcpNoDelay(tcpNoDelay));
        return this;
    }

    @Override
    public boolean isKeepAlive() {
        return SocketOptions.get(socket::isKeepAlive);
    }

    @Override
    public GetBufSocketChannelConfig setKeepAlive(boolean keepAlive) {
        SocketOptions.set(() -> socket.setKeepAlive(keepAlive));
        return this;
    }

    @Override
    public boolean isReuseAddress() {
        return SocketOptions.get(socket::isReuseAddress);
    }

    @Override
    public GetBufSocketChannelConfig setReuseAddress(boolean reuseAddress) {
        SocketOptions.set(() -> socket.setReuseAddress(reuseAddress));
        return this;
    }

    /**
     * {@return whether {@code SO_REUSEPORT} is set: other sockets of the same user may bind the same address and
     * port}
     *
     * @throws io.netty.channel.ChannelException if the socket option cannot be read
     */
    public boolean isReusePort() {
        return SocketOptions.get(socket::isReusePort);
    }

    /**
     * {@link io.netty.channel.unix.UnixChannelOption#SO_REUSEPORT}: lets sockets of the same user bind the same
     * address and port. Set it before binding.
     *
     * @param reusePort true to allow sharing the address and port
     * @return this config
     * @throws io.netty.channel.ChannelException if the socket option cannot be set
     */
    public GetBufSocketChannelConfig setReusePort(boolean reusePort) {
        SocketOptions.set(() -> socket.setReusePort(reusePort));
        return this;
    }

    @Override
    public int getSoLinger() {
        return SocketOptions.get(socket::getSoLinger);
    }

    @Override
    public GetBufSocketChannelConfig setSoLinger(int soLinger) {
        SocketOptions.set(() -> socket.setSoLinger(soLinger));
        return this;
    }

    @Override
    public int getTrafficClass() {
        return SocketOptions.get(socket::getTrafficClass);
    }

    @Override
    public GetBufSocketChannelConfig setTrafficClass(int trafficClass) {
        SocketOptions.set(() -> socket.setTrafficClass(trafficClass));
        return this;
    }

    /**
     * {@return whether {@code TCP_CORK} is set (see {@link GetBufChannelOption#TCP_CORK})}
     *
     * @throws io.netty.channel.ChannelException if the socket option cannot be read
     */
    public boolean isTcpCork() {
        return SocketOptions.get(socket::isTcpCork);
    }

    /**
     * {@link GetBufChannelOption#TCP_CORK}: holds partial segments back until uncorked, or for 200 ms at most, so that
     * writes made in pieces leave in full segments.
     *
     * @param cork true to cork; false to uncork, which sends what was held back at once
     * @return this config
     * @throws io.netty.channel.ChannelException if the socket option cannot be set
     */
    public GetBufSocketChannelConfig setTcpCork(boolean cork) {
        SocketOptions.set(() -> socket.setTcpCork(cork));
        return this;
    }

    /**
     * {@return whether the socket acknowledges at once now ({@code TCP_QUICKACK}, see
     * {@link GetBufChannelOption#TCP_QUICKACK}); the kernel may leave that mode by itself}
     *
     * @throws io.netty.channel.ChannelException if the socket option cannot be read
     */
    public boolean isTcpQuickAck() {
        return SocketOptions.get(socket::isTcpQuickAck);
    }

    /**
     * {@link GetBufChannelOption#TCP_QUICKACK}: acknowledges received data at once instead of delaying ACKs. Not
     * permanent: the kernel may go back to delayed ACKs, so set it again where it matters (e.g. after each read).
     *
     * @param quickAck true for immediate ACKs, false for delayed ones
     * @return this config
     * @throws io.netty.channel.ChannelException if the socket option cannot be set
     */
    public GetBufSocketChannelConfig setTcpQuickAck(boolean quickAck) {
        SocketOptions.set(() -> socket.setTcpQuickAck(quickAck));
        return this;
    }

    /**
     * {@link ChannelOption#TCP_FASTOPEN_CONNECT}: connect without waiting for the handshake where the kernel has a
     * Fast Open cookie of the server, the first write travelling in the SYN (sysctl {@code net.ipv4.tcp_fastopen}
     * bit 1, the default; see {@link GetBuf#isTcpFastOpenClientSideAvailable()}). Set it before connecting.
     *
     * @return whether {@code TCP_FASTOPEN_CONNECT} is set on the socket
     * @throws io.netty.channel.ChannelException if the socket option cannot be read
     */
    public boolean isTcpFastOpenConnect() {
        return SocketOptions.get(socket::isTcpFastOpenConnect);
    }

    /**
     * Sets {@link ChannelOption#TCP_FASTOPEN_CONNECT} (see {@link #isTcpFastOpenConnect()}). Set it before connecting.
     *
     * @param fastOpenConnect true to connect with TCP Fast Open where the kernel can
     * @return this config
     * @throws io.netty.channel.ChannelException if the socket option cannot be set
     */
    public GetBufSocketChannelConfig setTcpFastOpenConnect(boolean fastOpenConnect) {
        SocketOptions.set(() -> socket.setTcpFastOpenConnect(fastOpenConnect));
        return this;
    }

    /**
     * {@link GetBufChannelOption#FILE_STRATEGY}.
     *
     * @return how file regions written to the channel are sent; {@link GetBufFileStrategy#AUTO} by default
     */
    public GetBufFileStrategy getFileStrategy() {
        return fileStrategy;
    }

    /**
     * Sets {@link GetBufChannelOption#FILE_STRATEGY}; it applies from the next file region the channel starts
     * sending.
     *
     * @param fileStrategy how to send file regions; {@code null} for {@link GetBufFileStrategy#AUTO}
     * @return this config
     */
    public GetBufSocketChannelConfig setFileStrategy(GetBufFileStrategy fileStrategy) {
        this.fileStrategy = fileStrategy == null ? GetBufFileStrategy.AUTO : fileStrategy;
        return this;
    }

    /**
     * {@return whether the channel may receive through its loop's provided-buffer ring (see
     * {@link GetBufChannelOption#USE_BUFFER_RING}); true by default, and without effect on a loop that has none}
     */
    public boolean isUseBufferRing() {
        return useBufferRing;
    }

    /**
     * See {@link GetBufChannelOption#USE_BUFFER_RING}; takes effect at the next read.
     *
     * @param useBufferRing true to receive through the loop's provided-buffer ring when it has one, false to receive
     *                      into buffers of the channel's allocator
     * @return this config
     */
    public GetBufSocketChannelConfig setUseBufferRing(boolean useBufferRing) {
        this.useBufferRing = useBufferRing;
        return this;
    }

    @Override
    public boolean isAllowHalfClosure() {
        return allowHalfClosure;
    }

    @Override
    public GetBufSocketChannelConfig setAllowHalfClosure(boolean allowHalfClosure) {
        this.allowHalfClosure = allowHalfClosure;
        return this;
    }

    @Override
    public GetBufSocketChannelConfig setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
        return this;
    }

    @Override
    public GetBufSocketChannelConfig setConnectTimeoutMillis(int connectTimeoutMillis) {
        super.setConnectTimeoutMillis(connectTimeoutMillis);
        return this;
    }

    @Override
    @Deprecated
    public GetBufSocketChannelConfig setMaxMessagesPerRead(int maxMessagesPerRead) {
        super.setMaxMessagesPerRead(maxMessagesPerRead);
        return this;
    }

    @Override
    public GetBufSocketChannelConfig setWriteSpinCount(int writeSpinCount) {
        super.setWriteSpinCount(writeSpinCount);
        return this;
    }

    @Override
    public GetBufSocketChannelConfig setAllocator(ByteBufAllocator allocator) {
        super.setAllocator(allocator);
        return this;
    }

    @Override
    public GetBufSocketChannelConfig setRecvByteBufAllocator(RecvByteBufAllocator allocator) {
        super.setRecvByteBufAllocator(allocator);
        return this;
    }

    @Override
    public GetBufSocketChannelConfig setAutoRead(boolean autoRead) {
        super.setAutoRead(autoRead);
        return this;
    }

    @Override
    public GetBufSocketChannelConfig setAutoClose(boolean autoClose) {
        super.setAutoClose(autoClose);
        return this;
    }

    @Override
    @Deprecated
    public GetBufSocketChannelConfig setWriteBufferHighWaterMark(int writeBufferHighWaterMark) {
        super.setWriteBufferHighWaterMark(writeBufferHighWaterMark);
        return this;
    }

    @Override
    @Deprecated
    public GetBufSocketChannelConfig setWriteBufferLowWaterMark(int writeBufferLowWaterMark) {
        super.setWriteBufferLowWaterMark(writeBufferLowWaterMark);
        return this;
    }

    @Override
    public GetBufSocketChannelConfig setWriteBufferWaterMark(WriteBufferWaterMark writeBufferWaterMark) {
        super.setWriteBufferWaterMark(writeBufferWaterMark);
        return this;
    }

    @Override
    public GetBufSocketChannelConfig setMessageSizeEstimator(MessageSizeEstimator estimator) {
        super.setMessageSizeEstimator(estimator);
        return this;
    }

    @Override
    protected void autoReadCleared() {
        ((AbstractGetBufChannel) channel).clearReadPending();
    }
}
