/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.channel.ChannelOption;
import io.netty.channel.unix.GenericUnixChannelOption;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.channel.unix.RawUnixChannelOption;
import io.netty.channel.unix.Socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The socket options that are one {@code int} at a fixed level and name (getbuf's own named ones, and any
 * {@link IntegerUnixChannelOption} or {@link RawUnixChannelOption} a user makes), set and read the same way on every
 * getbuf socket: one table instead of a branch per option in each config.
 */
final class LinuxSocketOptions {
    private static final int SOL_SOCKET = 1;
    private static final int SOL_IP = 0;
    private static final int IPPROTO_TCP = 6;

    /** A named option: its level and name, and whether the int is a boolean. */
    private static final class Spec {
        final int level;
        final int optname;
        final boolean bool;

        Spec(int level, int optname, boolean bool) {
            this.level = level;
            this.optname = optname;
            this.bool = bool;
        }
    }

    private static final Map<ChannelOption<?>, Spec> STREAM = new IdentityHashMap<>();
    private static final Map<ChannelOption<?>, Spec> LISTENER = new IdentityHashMap<>();

    static {
        // connected and listening sockets alike (a listener's values are inherited by what it accepts)
        for (Map<ChannelOption<?>, Spec> m : List.of(STREAM, LISTENER)) {
            m.put(GetBufChannelOption.TCP_KEEPIDLE, new Spec(IPPROTO_TCP, 4, false));
            m.put(GetBufChannelOption.TCP_KEEPINTVL, new Spec(IPPROTO_TCP, 5, false));
            m.put(GetBufChannelOption.TCP_KEEPCNT, new Spec(IPPROTO_TCP, 6, false));
            m.put(GetBufChannelOption.TCP_USER_TIMEOUT, new Spec(IPPROTO_TCP, 18, false));
            m.put(GetBufChannelOption.TCP_NOTSENT_LOWAT, new Spec(IPPROTO_TCP, 25, false));
            m.put(GetBufChannelOption.IP_TRANSPARENT, new Spec(SOL_IP, 19, true));
            m.put(GetBufChannelOption.IP_FREEBIND, new Spec(SOL_IP, 15, true));
            m.put(GetBufChannelOption.SO_BUSY_POLL, new Spec(SOL_SOCKET, 46, false));
        }
        STREAM.put(GetBufChannelOption.IP_BIND_ADDRESS_NO_PORT, new Spec(SOL_IP, 24, true));
        LISTENER.put(GetBufChannelOption.TCP_DEFER_ACCEPT, new Spec(IPPROTO_TCP, 9, false));
    }

    private LinuxSocketOptions() {
    }

    /** The named options a connected (or connecting) socket takes. */
    static List<ChannelOption<?>> streamOptions() {
        return Collections.unmodifiableList(new ArrayList<>(STREAM.keySet()));
    }

    /** The named options a listening socket takes. */
    static List<ChannelOption<?>> listenerOptions() {
        return Collections.unmodifiableList(new ArrayList<>(LISTENER.keySet()));
    }

    static boolean isStreamOption(ChannelOption<?> option) {
        return STREAM.containsKey(option) || option instanceof GenericUnixChannelOption;
    }

    static boolean isListenerOption(ChannelOption<?> option) {
        return LISTENER.containsKey(option) || option instanceof GenericUnixChannelOption;
    }

    /**
     * The option's value on {@code socket}; for a {@link RawUnixChannelOption} a new buffer of its length holding
     * what the kernel returned. Call only for an option {@link #isStreamOption} or {@link #isListenerOption} took.
     */
    static Object get(Socket socket, ChannelOption<?> option, boolean listener) throws IOException {
        if (option instanceof IntegerUnixChannelOption) {
            GenericUnixChannelOption<?> o = (GenericUnixChannelOption<?>) option;
            return socket.getIntOpt(o.level(), o.optname());
        }
        if (option instanceof RawUnixChannelOption) {
            RawUnixChannelOption o = (RawUnixChannelOption) option;
            ByteBuffer out = ByteBuffer.allocateDirect(o.length());
            socket.getRawOpt(o.level(), o.optname(), out);
            return out.flip();
        }
        Spec spec = (listener ? LISTENER : STREAM).get(option);
        int v = socket.getIntOpt(spec.level, spec.optname);
        return spec.bool ? (Object) Boolean.valueOf(v != 0) : (Object) Integer.valueOf(v);
    }

    /** Sets the option on {@code socket}; the kernel's refusal is the IOException (EINVAL, EPERM, ...). */
    static void set(Socket socket, ChannelOption<?> option, Object value, boolean listener) throws IOException {
        if (option instanceof IntegerUnixChannelOption) {
            GenericUnixChannelOption<?> o = (GenericUnixChannelOption<?>) option;
            socket.setIntOpt(o.level(), o.optname(), (Integer) value);
            return;
        }
        if (option instanceof RawUnixChannelOption) {
            RawUnixChannelOption o = (RawUnixChannelOption) option;
            socket.setRawOpt(o.level(), o.optname(), (ByteBuffer) value);
            return;
        }
        Spec spec = (listener ? LISTENER : STREAM).get(option);
        socket.setIntOpt(spec.level, spec.optname, spec.bool ? ((Boolean) value ? 1 : 0) : (Integer) value);
    }
}
