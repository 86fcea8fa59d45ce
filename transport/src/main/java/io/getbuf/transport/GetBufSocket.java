/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.Socket;

import java.io.IOException;

/** A socket fd, with the Linux options Netty's unix {@link Socket} does not name. */
final class GetBufSocket extends Socket {
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_CORK = 3;
    private static final int TCP_QUICKACK = 12;
    private static final int TCP_FASTOPEN = 23;
    private static final int TCP_FASTOPEN_CONNECT = 30;

    GetBufSocket(int fd) {
        super(fd);
    }

    static GetBufSocket newStream(boolean ipv6) {
        return new GetBufSocket(newSocketStream0(ipv6));
    }

    /**
     * Whether a TCP or UDP channel of {@code family} gets an IPv6 socket: INET6 yes, INET no, {@code null} where the
     * system prefers IPv6. UNIX is refused here rather than quietly made an IPv4 socket.
     */
    static boolean ipv6For(SocketProtocolFamily family, String domainChannel) {
        if (family == SocketProtocolFamily.UNIX) {
            throw new IllegalArgumentException("SocketProtocolFamily.UNIX: use " + domainChannel);
        }
        return family == SocketProtocolFamily.INET6 || family == null && Socket.isIPv6Preferred();
    }

    /** A UDP socket (non-blocking, close-on-exec), IPv6 (dual stack) or IPv4. */
    static GetBufSocket newDatagram(boolean ipv6) {
        return new GetBufSocket(newSocketDgram0(ipv6));
    }

    /** A non-blocking AF_UNIX stream socket. */
    static GetBufSocket newDomain() {
        return new GetBufSocket(newSocketDomain0());
    }

    boolean isIpv6() {
        return ipv6;
    }

    /**
     * Marks the fd closed without closing it: the end of the registration closes it, once every
     * operation that names the number has reported back, so the number cannot be reused meanwhile.
     */
    boolean markClosedForDrain() {
        return markClosed();
    }

    void setTcpCork(boolean cork) throws IOException {
        setIntOpt(IPPROTO_TCP, TCP_CORK, cork ? 1 : 0);
    }

    boolean isTcpCork() throws IOException {
        return getIntOpt(IPPROTO_TCP, TCP_CORK) != 0;
    }

    void setTcpQuickAck(boolean quickAck) throws IOException {
        setIntOpt(IPPROTO_TCP, TCP_QUICKACK, quickAck ? 1 : 0);
    }

    boolean isTcpQuickAck() throws IOException {
        return getIntOpt(IPPROTO_TCP, TCP_QUICKACK) != 0;
    }

    /** Client TCP Fast Open: connect() returns at once and the first send carries the SYN (Linux 4.11+). */
    void setTcpFastOpenConnect(boolean fastOpen) throws IOException {
        setIntOpt(IPPROTO_TCP, TCP_FASTOPEN_CONNECT, fastOpen ? 1 : 0);
    }

    boolean isTcpFastOpenConnect() throws IOException {
        return getIntOpt(IPPROTO_TCP, TCP_FASTOPEN_CONNECT) != 0;
    }

    /** Server TCP Fast Open: how many connections may be pending with data from their SYN (0: off). */
    void setTcpFastOpen(int pending) throws IOException {
        setIntOpt(IPPROTO_TCP, TCP_FASTOPEN, pending);
    }

    int getTcpFastOpen() throws IOException {
        return getIntOpt(IPPROTO_TCP, TCP_FASTOPEN);
    }
}
