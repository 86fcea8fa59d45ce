/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.internal;

import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.PeerCredentials;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * What Unix domain sockets need beyond {@code netty-transport-native-unix-common} (natives in
 * {@code getbuf_unix.c}, registered with {@link Native}'s).
 */
public final class UnixSockets {
    static {
        // the natives are registered when Native's library loads
        Native.loadFailure();
    }

    private UnixSockets() {
    }

    /**
     * The name of {@code fd} (or of its peer), as Netty names it: a path, or a Linux abstract name with its leading
     * NUL ({@code "\0name"}); null for an unnamed socket. Netty's own {@code Socket#localDomainSocketAddress}
     * reads the name up to its first NUL, which turns every abstract name into "". An unnamed socket (a client that
     * did not bind) is {@code ""}, as Netty's transports report it.
     */
    public static DomainSocketAddress address(int fd, boolean peer) throws IOException {
        byte[] name = domainSocketName(fd, peer);
        return new DomainSocketAddress(name == null ? "" : new String(name, StandardCharsets.UTF_8));
    }

    /** {@code SO_PEERCRED}: the pid, uid and gid of the process that connected (or listened) at the other end. */
    public static PeerCredentials peerCredentials(int fd) throws IOException {
        return peerCredentials0(fd);
    }

    private static native byte[] domainSocketName(int fd, boolean peer) throws IOException;

    private static native PeerCredentials peerCredentials0(int fd) throws IOException;
}
