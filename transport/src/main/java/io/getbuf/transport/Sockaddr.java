/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.util.internal.PlatformDependent;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Writes {@code struct sockaddr_in} / {@code sockaddr_in6} into native memory for CONNECT. */
final class Sockaddr {
    static final int MAX_SIZE = 28;
    private static final short AF_INET = 2;
    private static final short AF_INET6 = 10;

    private Sockaddr() {
    }

    /** Returns the length written at {@code addr}; IPv4 on an IPv6 socket is v4-mapped. */
    static int write(long addr, InetSocketAddress remote, boolean ipv6Socket) {
        InetAddress ip = remote.getAddress();
        int port = remote.getPort();
        for (int i = 0; i < MAX_SIZE; i++) {
            PlatformDependent.putByte(addr + i, (byte) 0);
        }
        if (!ipv6Socket && ip instanceof Inet4Address) {
            putShortNative(addr, AF_INET);
            putPort(addr + 2, port);
            putBytes(addr + 4, ip.getAddress());
            return 16;
        }
        putShortNative(addr, AF_INET6);
        putPort(addr + 2, port);
        if (ip instanceof Inet6Address) {
            putBytes(addr + 8, ip.getAddress());
            PlatformDependent.putInt(addr + 24, ((Inet6Address) ip).getScopeId());
        } else {
            // ::ffff:a.b.c.d
            PlatformDependent.putByte(addr + 8 + 10, (byte) 0xff);
            PlatformDependent.putByte(addr + 8 + 11, (byte) 0xff);
            putBytes(addr + 8 + 12, ip.getAddress());
        }
        return 28;
    }

    private static void putShortNative(long addr, short v) {
        PlatformDependent.putShort(addr, v);
    }

    private static void putPort(long addr, int port) {
        PlatformDependent.putByte(addr, (byte) (port >>> 8));
        PlatformDependent.putByte(addr + 1, (byte) port);
    }

    private static void putBytes(long addr, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            PlatformDependent.putByte(addr + i, bytes[i]);
        }
    }
}
