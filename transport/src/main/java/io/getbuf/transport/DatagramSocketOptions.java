/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.channel.unix.Socket;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Enumeration;

/**
 * The UDP socket options Netty's unix {@link Socket} does not name: multicast membership, interface, TTL and loop,
 * and UDP_SEGMENT / UDP_GRO. Membership goes through the protocol-independent {@code MCAST_*} options
 * ({@code struct group_req} / {@code group_source_req}, RFC 3678), which take an interface index and a sockaddr for
 * IPv4 and IPv6 groups alike; the structs are written here and set with {@link Socket#setRawOpt}.
 */
final class DatagramSocketOptions {
    static final int IPPROTO_IP = 0;
    static final int IPPROTO_IPV6 = 41;
    static final int SOL_UDP = 17;

    static final int IP_MULTICAST_IF = 32;
    static final int IP_MULTICAST_TTL = 33;
    static final int IP_MULTICAST_LOOP = 34;
    static final int IPV6_MULTICAST_IF = 17;
    static final int IPV6_MULTICAST_HOPS = 18;
    static final int IPV6_MULTICAST_LOOP = 19;

    static final int MCAST_JOIN_GROUP = 42;
    static final int MCAST_BLOCK_SOURCE = 43;
    static final int MCAST_LEAVE_GROUP = 45;
    static final int MCAST_JOIN_SOURCE_GROUP = 46;
    static final int MCAST_LEAVE_SOURCE_GROUP = 47;

    static final int UDP_SEGMENT = 103;
    static final int UDP_GRO = 104;

    private static final short AF_INET = 2;
    private static final short AF_INET6 = 10;
    // struct group_req: u32 interface, then (8-byte aligned) struct sockaddr_storage of 128 bytes
    private static final int GROUP_OFFSET = 8;
    private static final int SOCKADDR_STORAGE = 128;
    private static final int SIZEOF_GROUP_REQ = GROUP_OFFSET + SOCKADDR_STORAGE;
    private static final int SIZEOF_GROUP_SOURCE_REQ = GROUP_OFFSET + 2 * SOCKADDR_STORAGE;

    private DatagramSocketOptions() {
    }

    /** Joins ({@code join}) or leaves {@code group} on {@code iface} (null: the kernel's choice), from any source
     *  or only from {@code source}. */
    static void membership(Socket socket, boolean join, InetAddress group, NetworkInterface iface,
                           InetAddress source) throws IOException {
        int level = levelOf(socket, group);
        int index = iface == null ? 0 : iface.getIndex();
        if (source == null) {
            ByteBuffer req = groupReq(index, group, null);
            socket.setRawOpt(level, join ? MCAST_JOIN_GROUP : MCAST_LEAVE_GROUP, req);
        } else {
            ByteBuffer req = groupReq(index, group, source);
            socket.setRawOpt(level, join ? MCAST_JOIN_SOURCE_GROUP : MCAST_LEAVE_SOURCE_GROUP, req);
        }
    }

    /** Stops traffic from {@code source} to {@code group} (joined before on {@code iface}) reaching this socket. */
    static void block(Socket socket, InetAddress group, NetworkInterface iface, InetAddress source)
            throws IOException {
        int index = iface == null ? 0 : iface.getIndex();
        socket.setRawOpt(levelOf(socket, group), MCAST_BLOCK_SOURCE, groupReq(index, group, source));
    }

    /** IPv4 groups are IP-level even on an IPv6 (dual stack) socket; IPv6 groups need an IPv6 socket. */
    private static int levelOf(Socket socket, InetAddress group) throws IOException {
        if (!group.isMulticastAddress()) {
            throw new IOException("not a multicast address: " + group);
        }
        if (group instanceof Inet6Address) {
            if (!isIpv6(socket)) {
                throw new IOException("an IPv6 group needs an IPv6 channel: " + group);
            }
            return IPPROTO_IPV6;
        }
        return IPPROTO_IP;
    }

    private static ByteBuffer groupReq(int ifindex, InetAddress group, InetAddress source) {
        ByteBuffer b = ByteBuffer.allocateDirect(source == null ? SIZEOF_GROUP_REQ : SIZEOF_GROUP_SOURCE_REQ)
                .order(ByteOrder.nativeOrder());
        b.putInt(0, ifindex);
        putSockaddr(b, GROUP_OFFSET, group);
        if (source != null) {
            putSockaddr(b, GROUP_OFFSET + SOCKADDR_STORAGE, source);
        }
        return b;
    }

    private static void putSockaddr(ByteBuffer b, int at, InetAddress ip) {
        byte[] bytes = ip.getAddress();
        if (ip instanceof Inet4Address) {
            b.putShort(at, AF_INET);
            // port 0; sin_addr at +4
            for (int i = 0; i < 4; i++) {
                b.put(at + 4 + i, bytes[i]);
            }
        } else {
            b.putShort(at, AF_INET6);
            // port and flowinfo 0; sin6_addr at +8, scope id at +24
            for (int i = 0; i < 16; i++) {
                b.put(at + 8 + i, bytes[i]);
            }
            b.putInt(at + 24, ((Inet6Address) ip).getScopeId());
        }
    }

    static boolean isIpv6(Socket socket) {
        return socket instanceof GetBufSocket && ((GetBufSocket) socket).isIpv6();
    }

    /** IP_MULTICAST_IF by interface: its index, and its first IPv4 address (what getsockopt reports back). */
    static void setMulticastInterface(Socket socket, NetworkInterface iface) throws IOException {
        if (isIpv6(socket)) {
            socket.setIntOpt(IPPROTO_IPV6, IPV6_MULTICAST_IF, iface.getIndex());
        }
        InetAddress v4 = firstAddress(iface, true);
        if (v4 != null || !isIpv6(socket)) {
            socket.setRawOpt(IPPROTO_IP, IP_MULTICAST_IF, ipMreqn(v4, iface.getIndex()));
        }
    }

    /** IP_MULTICAST_IF by address (IPv4), or by the interface that has it (IPv6). */
    static void setMulticastInterface(Socket socket, InetAddress address) throws IOException {
        NetworkInterface iface = NetworkInterface.getByInetAddress(address);
        if (address instanceof Inet6Address || isIpv6(socket) && iface != null) {
            if (iface == null) {
                throw new SocketException("no interface has address " + address);
            }
            setMulticastInterface(socket, iface);
            return;
        }
        socket.setRawOpt(IPPROTO_IP, IP_MULTICAST_IF, ipMreqn(address, iface == null ? 0 : iface.getIndex()));
    }

    private static ByteBuffer ipMreqn(InetAddress v4, int ifindex) {
        // struct ip_mreqn { in_addr imr_multiaddr; in_addr imr_address; int imr_ifindex; }
        ByteBuffer b = ByteBuffer.allocateDirect(12).order(ByteOrder.nativeOrder());
        if (v4 != null) {
            byte[] a = v4.getAddress();
            for (int i = 0; i < 4; i++) {
                b.put(4 + i, a[i]);
            }
        }
        b.putInt(8, ifindex);
        return b;
    }

    /** The multicast interface: IPv6 sockets report an index, IPv4 ones the address set with it. */
    static NetworkInterface getMulticastInterface(Socket socket) throws IOException {
        if (isIpv6(socket)) {
            int index = socket.getIntOpt(IPPROTO_IPV6, IPV6_MULTICAST_IF);
            if (index > 0) {
                return NetworkInterface.getByIndex(index);
            }
        }
        InetAddress a = getMulticastAddress4(socket);
        return a == null ? null : NetworkInterface.getByInetAddress(a);
    }

    static InetAddress getMulticastAddress(Socket socket) throws IOException {
        InetAddress a = getMulticastAddress4(socket);
        if (a != null) {
            return a;
        }
        NetworkInterface iface = getMulticastInterface(socket);
        return iface == null ? null : firstAddress(iface, !isIpv6(socket));
    }

    private static InetAddress getMulticastAddress4(Socket socket) throws IOException {
        ByteBuffer out = ByteBuffer.allocateDirect(4);
        socket.getRawOpt(IPPROTO_IP, IP_MULTICAST_IF, out);
        byte[] a = new byte[4];
        for (int i = 0; i < 4; i++) {
            a[i] = out.get(i);
        }
        if ((a[0] | a[1] | a[2] | a[3]) == 0) {
            return null;
        }
        return InetAddress.getByAddress(a);
    }

    private static InetAddress firstAddress(NetworkInterface iface, boolean v4) {
        Enumeration<InetAddress> addresses = iface.getInetAddresses();
        InetAddress other = null;
        while (addresses.hasMoreElements()) {
            InetAddress a = addresses.nextElement();
            if (a instanceof Inet4Address) {
                return a;
            }
            other = a;
        }
        return v4 ? null : other;
    }

    static void setMulticastTtl(Socket socket, int ttl) throws IOException {
        if (isIpv6(socket)) {
            socket.setIntOpt(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, ttl);
        }
        socket.setIntOpt(IPPROTO_IP, IP_MULTICAST_TTL, ttl);
    }

    static int getMulticastTtl(Socket socket) throws IOException {
        return isIpv6(socket) ? socket.getIntOpt(IPPROTO_IPV6, IPV6_MULTICAST_HOPS)
                : socket.getIntOpt(IPPROTO_IP, IP_MULTICAST_TTL);
    }

    static void setMulticastLoop(Socket socket, boolean loop) throws IOException {
        if (isIpv6(socket)) {
            socket.setIntOpt(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, loop ? 1 : 0);
        }
        socket.setIntOpt(IPPROTO_IP, IP_MULTICAST_LOOP, loop ? 1 : 0);
    }

    static boolean isMulticastLoop(Socket socket) throws IOException {
        return (isIpv6(socket) ? socket.getIntOpt(IPPROTO_IPV6, IPV6_MULTICAST_LOOP)
                : socket.getIntOpt(IPPROTO_IP, IP_MULTICAST_LOOP)) != 0;
    }
}
