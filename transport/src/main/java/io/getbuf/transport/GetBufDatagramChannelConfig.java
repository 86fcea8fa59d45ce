/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.DatagramChannelConfig;
import io.netty.channel.unix.GenericUnixChannelOption;
import io.netty.channel.unix.UnixChannelOption;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.Map;

/** The options of a {@link GetBufDatagramChannel}; socket options go straight to the socket. */
public final class GetBufDatagramChannelConfig extends DefaultChannelConfig implements DatagramChannelConfig {
    private final GetBufSocket socket;
    private volatile boolean activeOnOpen;
    private volatile boolean udpGro;

    GetBufDatagramChannelConfig(GetBufDatagramChannel channel, GetBufSocket socket) {
        super(channel, new FixedRecvByteBufAllocator(2048));
        this.socket = socket;
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), ChannelOption.SO_BROADCAST, ChannelOption.SO_RCVBUF,
                ChannelOption.SO_SNDBUF, ChannelOption.SO_REUSEADDR, ChannelOption.IP_MULTICAST_LOOP_DISABLED,
                ChannelOption.IP_MULTICAST_ADDR, ChannelOption.IP_MULTICAST_IF, ChannelOption.IP_MULTICAST_TTL,
                ChannelOption.IP_TOS, ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION,
                UnixChannelOption.SO_REUSEPORT, GetBufChannelOption.UDP_GRO);
    }

    @SuppressWarnings({"unchecked", "deprecation"})
    @Override
    public <T> T getOption(ChannelOption<T> option) {
        if (option instanceof GenericUnixChannelOption) {
            // any IntegerUnixChannelOption / RawUnixChannelOption a user makes goes to the socket as it is
            return (T) SocketOptions.get(() -> LinuxSocketOptions.get(socket, option, false));
        }
        if (option == ChannelOption.SO_BROADCAST) {
            return (T) Boolean.valueOf(isBroadcast());
        }
        if (option == ChannelOption.SO_RCVBUF) {
            return (T) Integer.valueOf(getReceiveBufferSize());
        }
        if (option == ChannelOption.SO_SNDBUF) {
            return (T) Integer.valueOf(getSendBufferSize());
        }
        if (option == ChannelOption.SO_REUSEADDR) {
            return (T) Boolean.valueOf(isReuseAddress());
        }
        if (option == ChannelOption.IP_MULTICAST_LOOP_DISABLED) {
            return (T) Boolean.valueOf(isLoopbackModeDisabled());
        }
        if (option == ChannelOption.IP_MULTICAST_ADDR) {
            return (T) getInterface();
        }
        if (option == ChannelOption.IP_MULTICAST_IF) {
            return (T) getNetworkInterface();
        }
        if (option == ChannelOption.IP_MULTICAST_TTL) {
            return (T) Integer.valueOf(getTimeToLive());
        }
        if (option == ChannelOption.IP_TOS) {
            return (T) Integer.valueOf(getTrafficClass());
        }
        if (option == ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION) {
            return (T) Boolean.valueOf(activeOnOpen);
        }
        if (option == UnixChannelOption.SO_REUSEPORT) {
            return (T) Boolean.valueOf(isReusePort());
        }
        if (option == GetBufChannelOption.UDP_GRO) {
            return (T) Boolean.valueOf(isUdpGro());
        }
        return super.getOption(option);
    }

    @SuppressWarnings("deprecation")
    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option instanceof GenericUnixChannelOption) {
            SocketOptions.set(() -> LinuxSocketOptions.set(socket, option, value, false));
        } else if (option == ChannelOption.SO_BROADCAST) {
            setBroadcast((Boolean) value);
        } else if (option == ChannelOption.SO_RCVBUF) {
            setReceiveBufferSize((Integer) value);
        } else if (option == ChannelOption.SO_SNDBUF) {
            setSendBufferSize((Integer) value);
        } else if (option == ChannelOption.SO_REUSEADDR) {
            setReuseAddress((Boolean) value);
        } else if (option == ChannelOption.IP_MULTICAST_LOOP_DISABLED) {
            setLoopbackModeDisabled((Boolean) value);
        } else if (option == ChannelOption.IP_MULTICAST_ADDR) {
            setInterface((InetAddress) value);
        } else if (option == ChannelOption.IP_MULTICAST_IF) {
            setNetworkInterface((NetworkInterface) value);
        } else if (option == ChannelOption.IP_MULTICAST_TTL) {
            setTimeToLive((Integer) value);
        } else if (option == ChannelOption.IP_TOS) {
            setTrafficClass((Integer) value);
        } else if (option == ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION) {
            setActiveOnOpen((Boolean) value);
        } else if (option == UnixChannelOption.SO_REUSEPORT) {
            setReusePort((Boolean) value);
        } else if (option == GetBufChannelOption.UDP_GRO) {
            setUdpGro((Boolean) value);
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    private void setActiveOnOpen(boolean activeOnOpen) {
        if (channel.isRegistered()) {
            throw new IllegalStateException("can only be changed before channel was registered");
        }
        this.activeOnOpen = activeOnOpen;
    }

    boolean isActiveOnOpen() {
        return activeOnOpen;
    }

    /**
     * {@return whether {@code SO_REUSEPORT} is set: other sockets of the same user may bind the same address and
     * port, the kernel spreading datagrams among them}
     *
     * @throws ChannelException if the socket option cannot be read
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
     * @throws ChannelException if the socket option cannot be set
     */
    public GetBufDatagramChannelConfig setReusePort(boolean reusePort) {
        SocketOptions.set(() -> socket.setReusePort(reusePort));
        return this;
    }

    /** {@return whether {@code UDP_GRO} is on (see {@link GetBufChannelOption#UDP_GRO})} */
    public boolean isUdpGro() {
        return udpGro;
    }

    /**
     * Turns {@code UDP_GRO} on or off.
     *
     * @param gro true to receive coalesced datagrams (the channel splits them again, one packet per datagram)
     * @return this config
     * @throws ChannelException when the kernel has no UDP_GRO ({@link GetBufDatagramChannel#isUdpGroSupported()}),
     *                          or the option cannot be set
     */
    public GetBufDatagramChannelConfig setUdpGro(boolean gro) {
        if (gro && !GetBufDatagramChannel.isUdpGroSupported()) {
            throw new ChannelException("UDP_GRO is not supported by this kernel (Linux 5.0+)");
        }
        SocketOptions.set(() -> socket.setIntOpt(DatagramSocketOptions.SOL_UDP, DatagramSocketOptions.UDP_GRO,
                gro ? 1 : 0));
        udpGro = gro;
        return this;
    }

    @Override
    public int getSendBufferSize() {
        return SocketOptions.get(socket::getSendBufferSize);
    }

    @Override
    public GetBufDatagramChannelConfig setSendBufferSize(int sendBufferSize) {
        SocketOptions.set(() -> socket.setSendBufferSize(sendBufferSize));
        return this;
    }

    @Override
    public int getReceiveBufferSize() {
        return SocketOptions.get(socket::getReceiveBufferSize);
    }

    @Override
    public GetBufDatagramChannelConfig setReceiveBufferSize(int receiveBufferSize) {
        SocketOptions.set(() -> socket.setReceiveBufferSize(receiveBufferSize));
        return this;
    }

    @Override
    public int getTrafficClass() {
        return SocketOptions.get(socket::getTrafficClass);
    }

    @Override
    public GetBufDatagramChannelConfig setTrafficClass(int trafficClass) {
        SocketOptions.set(() -> socket.setTrafficClass(trafficClass));
        return this;
    }

    @Override
    public boolean isReuseAddress() {
        return SocketOptions.get(socket::isReuseAddress);
    }

    @Override
    public GetBufDatagramChannelConfig setReuseAddress(boolean reuseAddress) {
        SocketOptions.set(() -> socket.setReuseAddress(reuseAddress));
        return this;
    }

    @Override
    public boolean isBroadcast() {
        return SocketOptions.get(socket::isBroadcast);
    }

    @Override
    public GetBufDatagramChannelConfig setBroadcast(boolean broadcast) {
        SocketOptions.set(() -> socket.setBroadcast(broadcast));
        return this;
    }

    @Override
    public boolean isLoopbackModeDisabled() {
        return !SocketOptions.get(() -> DatagramSocketOptions.isMulticastLoop(socket));
    }

    @Override
    public GetBufDatagramChannelConfig setLoopbackModeDisabled(boolean loopbackModeDisabled) {
        SocketOptions.set(() -> DatagramSocketOptions.setMulticastLoop(socket, !loopbackModeDisabled));
        return this;
    }

    @Override
    public int getTimeToLive() {
        return SocketOptions.get(() -> DatagramSocketOptions.getMulticastTtl(socket));
    }

    @Override
    public GetBufDatagramChannelConfig setTimeToLive(int ttl) {
        SocketOptions.set(() -> DatagramSocketOptions.setMulticastTtl(socket, ttl));
        return this;
    }

    @Override
    public InetAddress getInterface() {
        return SocketOptions.get(() -> DatagramSocketOptions.getMulticastAddress(socket));
    }

    @Override
    public GetBufDatagramChannelConfig setInterface(InetAddress interfaceAddress) {
        SocketOptions.set(() -> DatagramSocketOptions.setMulticastInterface(socket, interfaceAddress));
        return this;
    }

    @Override
    public NetworkInterface getNetworkInterface() {
        return SocketOptions.get(() -> DatagramSocketOptions.getMulticastInterface(socket));
    }

    @Override
    public GetBufDatagramChannelConfig setNetworkInterface(NetworkInterface networkInterface) {
        SocketOptions.set(() -> DatagramSocketOptions.setMulticastInterface(socket, networkInterface));
        return this;
    }

    // ---- covariant returns ----

    @Override
    @Deprecated
    public GetBufDatagramChannelConfig setMaxMessagesPerRead(int maxMessagesPerRead) {
        super.setMaxMessagesPerRead(maxMessagesPerRead);
        return this;
    }

    @Override
    public GetBufDatagramChannelConfig setWriteSpinCount(int writeSpinCount) {
        super.setWriteSpinCount(writeSpinCount);
        return this;
    }

    @Override
    public GetBufDatagramChannelConfig setConnectTimeoutMillis(int connectTimeoutMillis) {
        super.setConnectTimeoutMillis(connectTimeoutMillis);
        return this;
    }

    @Override
    public GetBufDatagramChannelConfig setAllocator(ByteBufAllocator allocator) {
        super.setAllocator(allocator);
        return this;
    }

    @Override
    public GetBufDatagramChannelConfig setRecvByteBufAllocator(RecvByteBufAllocator allocator) {
        super.setRecvByteBufAllocator(allocator);
        return this;
    }

    @Override
    public GetBufDatagramChannelConfig setAutoRead(boolean autoRead) {
        super.setAutoRead(autoRead);
        return this;
    }

    @Override
    public GetBufDatagramChannelConfig setAutoClose(boolean autoClose) {
        super.setAutoClose(autoClose);
        return this;
    }

    @Override
    public GetBufDatagramChannelConfig setWriteBufferHighWaterMark(int writeBufferHighWaterMark) {
        super.setWriteBufferHighWaterMark(writeBufferHighWaterMark);
        return this;
    }

    @Override
    public GetBufDatagramChannelConfig setWriteBufferLowWaterMark(int writeBufferLowWaterMark) {
        super.setWriteBufferLowWaterMark(writeBufferLowWaterMark);
        return this;
    }

    @Override
    public GetBufDatagramChannelConfig setWriteBufferWaterMark(WriteBufferWaterMark writeBufferWaterMark) {
        super.setWriteBufferWaterMark(writeBufferWaterMark);
        return this;
    }

    @Override
    public GetBufDatagramChannelConfig setMessageSizeEstimator(MessageSizeEstimator estimator) {
        super.setMessageSizeEstimator(estimator);
        return this;
    }

    @Override
    protected void autoReadCleared() {
        ((GetBufDatagramChannel) channel).clearReadPending();
    }
}
