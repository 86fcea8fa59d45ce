/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.unix.DomainSocketChannelConfig;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.GenericUnixChannelOption;
import io.netty.channel.unix.UnixChannelOption;

import java.io.IOException;
import java.util.Map;

import static io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE;
import static io.netty.channel.ChannelOption.SO_RCVBUF;
import static io.netty.channel.ChannelOption.SO_SNDBUF;

/** The options of a {@link GetBufDomainSocketChannel}; socket options go straight to the socket. */
public final class GetBufDomainSocketChannelConfig extends DefaultChannelConfig
        implements DomainSocketChannelConfig, AbstractGetBufStreamChannel.StreamConfig {
    private final GetBufSocket socket;
    private volatile DomainSocketReadMode readMode = DomainSocketReadMode.BYTES;
    private volatile boolean allowHalfClosure;
    private volatile boolean useBufferRing = true;
    private volatile GetBufFileStrategy fileStrategy = GetBufFileStrategy.AUTO;

    GetBufDomainSocketChannelConfig(GetBufDomainSocketChannel channel, GetBufSocket socket) {
        super(channel);
        this.socket = socket;
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), UnixChannelOption.DOMAIN_SOCKET_READ_MODE, ALLOW_HALF_CLOSURE,
                SO_SNDBUF, SO_RCVBUF, GetBufChannelOption.USE_BUFFER_RING, GetBufChannelOption.FILE_STRATEGY);
    }

    @SuppressWarnings("unchecked")
    @Override
    public <T> T getOption(ChannelOption<T> option) {
        if (option == UnixChannelOption.DOMAIN_SOCKET_READ_MODE) {
            return (T) getReadMode();
        }
        if (option == ALLOW_HALF_CLOSURE) {
            return (T) Boolean.valueOf(isAllowHalfClosure());
        }
        if (option == SO_SNDBUF) {
            return (T) Integer.valueOf(getSendBufferSize());
        }
        if (option == SO_RCVBUF) {
            return (T) Integer.valueOf(getReceiveBufferSize());
        }
        if (option == GetBufChannelOption.USE_BUFFER_RING) {
            return (T) Boolean.valueOf(isUseBufferRing());
        }
        if (option == GetBufChannelOption.FILE_STRATEGY) {
            return (T) getFileStrategy();
        }
        if (option instanceof GenericUnixChannelOption) { // IntegerUnixChannelOption, RawUnixChannelOption
            return (T) SocketOptions.get(() -> LinuxSocketOptions.get(socket, option, false));
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == UnixChannelOption.DOMAIN_SOCKET_READ_MODE) {
            setReadMode((DomainSocketReadMode) value);
        } else if (option == ALLOW_HALF_CLOSURE) {
            setAllowHalfClosure((Boolean) value);
        } else if (option == SO_SNDBUF) {
            setSendBufferSize((Integer) value);
        } else if (option == SO_RCVBUF) {
            setReceiveBufferSize((Integer) value);
        } else if (option == GetBufChannelOption.USE_BUFFER_RING) {
            setUseBufferRing((Boolean) value);
        } else if (option == GetBufChannelOption.FILE_STRATEGY) {
            setFileStrategy((GetBufFileStrategy) value);
        } else if (option instanceof GenericUnixChannelOption) {
            SocketOptions.set(() -> LinuxSocketOptions.set(socket, option, value, false));
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    /**
     * {@link DomainSocketReadMode#FILE_DESCRIPTORS}: reads deliver {@link io.netty.channel.unix.FileDescriptor}s
     * (each consumes the one byte sent with it); takes effect at the next read.
     */
    @Override
    public GetBufDomainSocketChannelConfig setReadMode(DomainSocketReadMode mode) {
        if (mode == null) {
            throw new NullPointerException("mode");
        }
        this.readMode = mode;
        return this;
    }

    @Override
    public DomainSocketReadMode getReadMode() {
        return readMode;
    }

    /**
     * {@return {@code SO_SNDBUF}, bytes}
     *
     * @throws ChannelException if the option cannot be read
     */
    public int getSendBufferSize() {
        try {
            return socket.getSendBufferSize();
        } catch (IOException e) {
            throw new ChannelException(e);
        }
    }

    /**
     * Sets {@code SO_SNDBUF} (the kernel doubles it and applies its limits).
     *
     * @param size bytes
     * @return this config
     * @throws ChannelException if the option cannot be set
     */
    public GetBufDomainSocketChannelConfig setSendBufferSize(int size) {
        try {
            socket.setSendBufferSize(size);
        } catch (IOException e) {
            throw new ChannelException(e);
        }
        return this;
    }

    /**
     * {@return {@code SO_RCVBUF}, bytes}
     *
     * @throws ChannelException if the option cannot be read
     */
    public int getReceiveBufferSize() {
        try {
            return socket.getReceiveBufferSize();
        } catch (IOException e) {
            throw new ChannelException(e);
        }
    }

    /**
     * Sets {@code SO_RCVBUF} (the kernel doubles it and applies its limits).
     *
     * @param size bytes
     * @return this config
     * @throws ChannelException if the option cannot be set
     */
    public GetBufDomainSocketChannelConfig setReceiveBufferSize(int size) {
        try {
            socket.setReceiveBufferSize(size);
        } catch (IOException e) {
            throw new ChannelException(e);
        }
        return this;
    }

    @Override
    public GetBufFileStrategy getFileStrategy() {
        return fileStrategy;
    }

    /**
     * See {@link GetBufChannelOption#FILE_STRATEGY}. AUTO sends by SENDFILE on a Unix socket; GET_BUF and READ_FIXED_ZC
     * send with SEND_ZC, which AF_UNIX lacks: asked for by name, they fall back to SENDFILE (counted in
     * {@link GetBufDomainSocketChannel#fileSendStats()}).
     *
     * @param fileStrategy how file regions are sent; {@code null} means AUTO
     * @return this config
     */
    public GetBufDomainSocketChannelConfig setFileStrategy(GetBufFileStrategy fileStrategy) {
        this.fileStrategy = fileStrategy == null ? GetBufFileStrategy.AUTO : fileStrategy;
        return this;
    }

    @Override
    public boolean isUseBufferRing() {
        return useBufferRing;
    }

    /**
     * See {@link GetBufChannelOption#USE_BUFFER_RING}; takes effect at the next read.
     *
     * @param useBufferRing true to read through the loop's buffer ring (when it has one)
     * @return this config
     */
    public GetBufDomainSocketChannelConfig setUseBufferRing(boolean useBufferRing) {
        this.useBufferRing = useBufferRing;
        return this;
    }

    @Override
    public boolean isAllowHalfClosure() {
        return allowHalfClosure;
    }

    /**
     * {@link io.netty.channel.ChannelOption#ALLOW_HALF_CLOSURE}: whether the peer's shutdown of its output leaves this
     * channel open for writing ({@code ChannelInputShutdownEvent}) instead of closing it.
     *
     * @param allowHalfClosure true to stay open when the peer stops sending
     * @return this config
     */
    public GetBufDomainSocketChannelConfig setAllowHalfClosure(boolean allowHalfClosure) {
        this.allowHalfClosure = allowHalfClosure;
        return this;
    }

    @Override
    public GetBufDomainSocketChannelConfig setConnectTimeoutMillis(int connectTimeoutMillis) {
        super.setConnectTimeoutMillis(connectTimeoutMillis);
        return this;
    }

    @Override
    @Deprecated
    public GetBufDomainSocketChannelConfig setMaxMessagesPerRead(int maxMessagesPerRead) {
        super.setMaxMessagesPerRead(maxMessagesPerRead);
        return this;
    }

    @Override
    public GetBufDomainSocketChannelConfig setWriteSpinCount(int writeSpinCount) {
        super.setWriteSpinCount(writeSpinCount);
        return this;
    }

    @Override
    public GetBufDomainSocketChannelConfig setAllocator(ByteBufAllocator allocator) {
        super.setAllocator(allocator);
        return this;
    }

    @Override
    public GetBufDomainSocketChannelConfig setRecvByteBufAllocator(RecvByteBufAllocator allocator) {
        super.setRecvByteBufAllocator(allocator);
        return this;
    }

    @Override
    public GetBufDomainSocketChannelConfig setAutoRead(boolean autoRead) {
        super.setAutoRead(autoRead);
        return this;
    }

    @Override
    public GetBufDomainSocketChannelConfig setAutoClose(boolean autoClose) {
        super.setAutoClose(autoClose);
        return this;
    }

    @Override
    @Deprecated
    public GetBufDomainSocketChannelConfig setWriteBufferHighWaterMark(int writeBufferHighWaterMark) {
        super.setWriteBufferHighWaterMark(writeBufferHighWaterMark);
        return this;
    }

    @Override
    @Deprecated
    public GetBufDomainSocketChannelConfig setWriteBufferLowWaterMark(int writeBufferLowWaterMark) {
        super.setWriteBufferLowWaterMark(writeBufferLowWaterMark);
        return this;
    }

    @Override
    public GetBufDomainSocketChannelConfig setWriteBufferWaterMark(WriteBufferWaterMark writeBufferWaterMark) {
        super.setWriteBufferWaterMark(writeBufferWaterMark);
        return this;
    }

    @Override
    public GetBufDomainSocketChannelConfig setMessageSizeEstimator(MessageSizeEstimator estimator) {
        super.setMessageSizeEstimator(estimator);
        return this;
    }
}
