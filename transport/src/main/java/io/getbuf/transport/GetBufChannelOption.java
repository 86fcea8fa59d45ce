/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.channel.ChannelOption;
import io.netty.channel.unix.UnixChannelOption;

/**
 * Options of getbuf channels beyond {@link ChannelOption}'s (SO_REUSEPORT comes from
 * {@link UnixChannelOption}). Any other option that is an {@code int} or a byte string at a known level and name can
 * be set with Netty's {@link io.netty.channel.unix.IntegerUnixChannelOption} and
 * {@link io.netty.channel.unix.RawUnixChannelOption}, on every getbuf channel.
 */
public final class GetBufChannelOption<T> extends UnixChannelOption<T> {
    /** TCP_CORK: hold partial segments until uncorked (or 200 ms passed). */
    public static final ChannelOption<Boolean> TCP_CORK = valueOf(GetBufChannelOption.class, "TCP_CORK");

    /** TCP_QUICKACK: acknowledge at once instead of delaying ACKs. */
    public static final ChannelOption<Boolean> TCP_QUICKACK = valueOf(GetBufChannelOption.class, "TCP_QUICKACK");

    /**
     * Receive through the event loop's provided-buffer ring ({@link GetBufIoHandlerConfig#setBufferRing}): the kernel
     * picks the buffer when data arrives, so an idle connection holds none (one recv per read, or a multishot recv with
     * {@link GetBufBufferRingConfig#setMultishot}). Default: true when the loop has a ring, else ignored.
     */
    public static final ChannelOption<Boolean> USE_BUFFER_RING =
            valueOf(GetBufChannelOption.class, "USE_BUFFER_RING");

    /**
     * How {@link io.netty.channel.DefaultFileRegion}s written to the channel are sent (see {@link GetBufFileStrategy}).
     * Default: {@link GetBufFileStrategy#AUTO}. A strategy this kernel lacks falls back to {@code SENDFILE}.
     */
    public static final ChannelOption<GetBufFileStrategy> FILE_STRATEGY =
            valueOf(GetBufChannelOption.class, "FILE_STRATEGY");

    /** TCP_KEEPIDLE: seconds a connection is idle before keep-alive probes start (with SO_KEEPALIVE). */
    public static final ChannelOption<Integer> TCP_KEEPIDLE = valueOf(GetBufChannelOption.class, "TCP_KEEPIDLE");

    /** TCP_KEEPINTVL: seconds between keep-alive probes. */
    public static final ChannelOption<Integer> TCP_KEEPINTVL = valueOf(GetBufChannelOption.class, "TCP_KEEPINTVL");

    /** TCP_KEEPCNT: unanswered keep-alive probes before the connection is dropped. */
    public static final ChannelOption<Integer> TCP_KEEPCNT = valueOf(GetBufChannelOption.class, "TCP_KEEPCNT");

    /** TCP_USER_TIMEOUT: milliseconds sent data may stay unacknowledged before the connection is dropped. */
    public static final ChannelOption<Integer> TCP_USER_TIMEOUT =
            valueOf(GetBufChannelOption.class, "TCP_USER_TIMEOUT");

    /** TCP_NOTSENT_LOWAT: bytes not yet sent below which the socket counts as writable. */
    public static final ChannelOption<Integer> TCP_NOTSENT_LOWAT =
            valueOf(GetBufChannelOption.class, "TCP_NOTSENT_LOWAT");

    /** TCP_DEFER_ACCEPT (listening sockets): seconds to wait for the first data before a connection is accepted. */
    public static final ChannelOption<Integer> TCP_DEFER_ACCEPT =
            valueOf(GetBufChannelOption.class, "TCP_DEFER_ACCEPT");

    /** IP_TRANSPARENT: bind to and accept for addresses not local (transparent proxies; needs CAP_NET_ADMIN). */
    public static final ChannelOption<Boolean> IP_TRANSPARENT = valueOf(GetBufChannelOption.class, "IP_TRANSPARENT");

    /** IP_FREEBIND: bind to an address not (yet) configured on this host. */
    public static final ChannelOption<Boolean> IP_FREEBIND = valueOf(GetBufChannelOption.class, "IP_FREEBIND");

    /** IP_BIND_ADDRESS_NO_PORT (clients): bind an address now, its port at connect, so ports can be shared. */
    public static final ChannelOption<Boolean> IP_BIND_ADDRESS_NO_PORT =
            valueOf(GetBufChannelOption.class, "IP_BIND_ADDRESS_NO_PORT");

    /** SO_BUSY_POLL: microseconds a blocking receive may busy-poll the device queue. */
    public static final ChannelOption<Integer> SO_BUSY_POLL = valueOf(GetBufChannelOption.class, "SO_BUSY_POLL");

    /**
     * UDP generic receive offload ({@code UDP_GRO}, Linux 5.0+) on a {@link GetBufDatagramChannel}: the kernel may
     * coalesce datagrams of one flow into one receive; the channel splits it again into one {@code DatagramPacket}
     * per datagram, as Netty's epoll transport does. The receive allocator's buffers must be large enough for the
     * coalesced receive (up to 64 KiB), or the kernel truncates it.
     */
    public static final ChannelOption<Boolean> UDP_GRO = valueOf(GetBufChannelOption.class, "UDP_GRO");

    @SuppressWarnings("unused")
    private GetBufChannelOption() {
    }
}
