/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.getbuf.transport.internal.UnixSockets;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketChannel;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.PeerCredentials;
import io.netty.channel.unix.ServerDomainSocketChannel;
import io.netty.util.internal.PlatformDependent;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A Unix domain stream socket driven by io_uring, on the same event loops as the TCP channels: everything
 * {@link AbstractGetBufStreamChannel} does (the buffer ring, file regions by SENDFILE, SPLICE, READ_FIXED and COPY),
 * plus file descriptors both ways ({@link DomainSocketReadMode#FILE_DESCRIPTORS}, and {@link FileDescriptor}
 * messages written) and {@link #peerCredentials()}. Addresses are Netty's {@link DomainSocketAddress}: a path, or a
 * Linux abstract name written with a leading NUL ({@code "\0name"}).
 *
 * <p>File descriptors go through the ring as IORING_OP_SENDMSG / IORING_OP_RECVMSG with an {@code SCM_RIGHTS}
 * control message, not by a blocking sendmsg(2) / recvmsg(2) on the event loop: they are ordered with the channel's
 * other reads and writes like any operation, a full socket buffer parks the send in the kernel instead of failing it
 * with EAGAIN, and closing the channel cancels them as it cancels everything else. As with Netty's transports, each
 * descriptor travels with one byte of data, which the receiving side consumes in FILE_DESCRIPTORS mode.
 */
public final class GetBufDomainSocketChannel extends AbstractGetBufStreamChannel implements DomainSocketChannel {
    private static final InternalLogger logger = InternalLoggerFactory.getInstance(GetBufDomainSocketChannel.class);
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int AF_UNIX = 1;
    // struct sockaddr_un: sa_family_t, then 108 bytes of path
    private static final int SUN_PATH_OFFSET = 2;
    private static final int SUN_PATH_MAX = 108;
    // One descriptor message (x86_64): struct msghdr, its one iovec, the byte it carries, and
    // CMSG_SPACE(sizeof(int)) of control: struct cmsghdr { size_t len; int level; int type; } then the fd.
    private static final int MSGHDR_IOV = 16;
    private static final int MSGHDR_IOVLEN = 24;
    private static final int MSGHDR_CONTROL = 32;
    private static final int MSGHDR_CONTROLLEN = 40;
    private static final int MSGHDR_FLAGS = 48;
    private static final int IOV_AT = 56;
    private static final int BYTE_AT = 72;
    private static final int CONTROL_AT = 80;
    private static final int CONTROL_SPACE = 24;
    private static final int CMSG_LEN_ONE_FD = 20;
    private static final int CMSG_DATA = 16;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int FD_MESSAGE_SIZE = CONTROL_AT + CONTROL_SPACE;

    private final GetBufDomainSocketChannelConfig config;
    private long sendFdMemory;   // the descriptor message of the sendmsg in flight (one write at a time)
    private long recvFdMemory;   // the descriptor message of the recvmsg in flight (one read at a time)
    private boolean fdReadInFlight;

    /**
     * A new, unconnected Unix domain stream channel.
     *
     * @throws io.netty.channel.ChannelException if the socket cannot be created (no descriptor left)
     */
    public GetBufDomainSocketChannel() {
        this(null, GetBufSocket.newDomain(), false);
    }

    GetBufDomainSocketChannel(Channel parent, GetBufSocket socket, boolean active) {
        super(parent, socket, active);
        config = new GetBufDomainSocketChannelConfig(this, socket);
    }

    @Override
    public GetBufDomainSocketChannelConfig config() {
        return config;
    }

    @Override
    public ServerDomainSocketChannel parent() {
        return (ServerDomainSocketChannel) super.parent();
    }

    @Override
    public DomainSocketAddress localAddress() {
        return (DomainSocketAddress) super.localAddress();
    }

    @Override
    public DomainSocketAddress remoteAddress() {
        return (DomainSocketAddress) super.remoteAddress();
    }

    /**
     * The process at the other end, as the kernel recorded it at connect ({@code SO_PEERCRED}).
     *
     * @return its pid, uid and gid
     * @throws IOException if the socket is not connected or the option cannot be read
     */
    public PeerCredentials peerCredentials() throws IOException {
        return UnixSockets.peerCredentials(socket.intValue());
    }

    // ---- addresses ----

    @Override
    SocketAddress localAddressOfSocket() {
        return nameOf(false);
    }

    @Override
    SocketAddress remoteAddressOfSocket() {
        return nameOf(true);
    }

    private DomainSocketAddress nameOf(boolean peer) {
        try {
            return UnixSockets.address(socket.intValue(), peer);
        } catch (IOException e) {
            logger.debug("{}: no {} address", this, peer ? "remote" : "local", e);
            return null;
        }
    }

    @Override
    int sockaddrCapacity() {
        return SUN_PATH_OFFSET + SUN_PATH_MAX;
    }

    @Override
    int writeSockaddr(long addr, SocketAddress remote) throws IOException {
        return writeSockaddrUn(addr, remote);
    }

    /**
     * Writes {@code remote} as a {@code struct sockaddr_un}: as long as its name, so that an abstract name (leading
     * NUL) is exactly its bytes and a path needs no terminator.
     */
    static int writeSockaddrUn(long addr, SocketAddress remote) throws IOException {
        if (!(remote instanceof DomainSocketAddress)) {
            throw new UnsupportedOperationException("unsupported address type: " + remote
                    + " (expected a DomainSocketAddress)");
        }
        byte[] name = ((DomainSocketAddress) remote).path().getBytes(StandardCharsets.UTF_8);
        if (name.length == 0 || name.length > SUN_PATH_MAX) {
            throw new IOException("a Unix socket name is 1 to " + SUN_PATH_MAX + " bytes, not " + name.length + ": "
                    + remote);
        }
        PlatformDependent.putShort(addr, (short) AF_UNIX);
        for (int i = 0; i < name.length; i++) {
            PlatformDependent.putByte(addr + SUN_PATH_OFFSET + i, name[i]);
        }
        return SUN_PATH_OFFSET + name.length;
    }

    // ---- what AF_UNIX lacks ----

    @Override
    boolean zeroCopySendsWork() {
        return false; // SEND_ZC fails with EOPNOTSUPP on AF_UNIX
    }

    /**
     * Off, as in Netty's io_uring transport, which found that AF_UNIX reports no IORING_CQE_F_SOCK_NONEMPTY: a read
     * that left data behind would then wait for a POLLIN that does not come. (On the 6.18 kernel here, switched on and
     * forced for every read, the domain echo tests and GetBufDomainSocketTest still passed: newer kernels may report
     * it. Parked reads work on every kernel, so Unix sockets keep them until that is established per kernel.)
     */
    @Override
    boolean readinessReadsWork() {
        return false;
    }

    // ---- file descriptors out ----

    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (msg instanceof FileDescriptor) {
            return msg;
        }
        return super.filterOutboundMessage(msg);
    }

    @Override
    boolean submitOtherWrite(Object msg) {
        if (!(msg instanceof FileDescriptor)) {
            return false;
        }
        if (sendFdMemory == 0) {
            sendFdMemory = newFdMessage();
        }
        long m = sendFdMemory;
        resetFdMessage(m);
        PlatformDependent.putLong(m + CONTROL_AT, CMSG_LEN_ONE_FD);
        PlatformDependent.putInt(m + CONTROL_AT + 8, SOL_SOCKET);
        PlatformDependent.putInt(m + CONTROL_AT + 12, SCM_RIGHTS);
        PlatformDependent.putInt(m + CONTROL_AT + CMSG_DATA, ((FileDescriptor) msg).intValue());
        writeOp = registration.submit(ops.sendmsg(socket.intValue(), m, MSG_NOSIGNAL, DATA_WRITE));
        return true;
    }

    // ---- file descriptors in ----

    @Override
    boolean submitOtherRead() {
        if (config.getReadMode() != DomainSocketReadMode.FILE_DESCRIPTORS) {
            return false;
        }
        if (recvFdMemory == 0) {
            recvFdMemory = newFdMessage();
        }
        resetFdMessage(recvFdMemory);
        fdReadInFlight = true;
        unsafe().recvBufAllocHandle().attemptedBytesRead(1);
        // received descriptors are close-on-exec, as every fd the JDK and Netty open
        readOp = registration.submit(ops.recvmsg(socket.intValue(), recvFdMemory, MSG_CMSG_CLOEXEC, false, DATA_READ));
        if (readOp == 0) {
            fdReadInFlight = false;
        }
        return true;
    }

    @Override
    boolean otherReadComplete(int res, int flags) {
        if (!fdReadInFlight) {
            return false;
        }
        fdReadInFlight = false;
        if (res <= 0) {
            return false; // the end of the stream, a cancellation or an error: as for bytes
        }
        int fd = receivedFd(recvFdMemory);
        if (!isOpen()) {
            if (fd >= 0) {
                Native.close(fd);
            }
            return true;
        }
        RecvByteBufAllocator.Handle handle = unsafe().recvBufAllocHandle();
        ChannelPipeline pipeline = pipeline();
        readPending = false;
        if (fd >= 0) {
            handle.lastBytesRead(res);
            handle.incMessagesRead(1);
            pipeline.fireChannelRead(new FileDescriptor(fd));
        }
        // else: a byte without a descriptor (the peer wrote bytes): consumed, as Netty's transports do
        handle.readComplete();
        pipeline.fireChannelReadComplete();
        ((StreamUnsafe) unsafe()).rearmRead(true);
        return true;
    }

    /** The descriptor an SCM_RIGHTS message at {@code m} carried, or -1. */
    private static int receivedFd(long m) {
        long len = PlatformDependent.getLong(m + CONTROL_AT);
        int level = PlatformDependent.getInt(m + CONTROL_AT + 8);
        int type = PlatformDependent.getInt(m + CONTROL_AT + 12);
        if (len == CMSG_LEN_ONE_FD && level == SOL_SOCKET && type == SCM_RIGHTS) {
            return PlatformDependent.getInt(m + CONTROL_AT + CMSG_DATA);
        }
        return -1;
    }

    private static long newFdMessage() {
        long m = PlatformDependent.allocateMemory(FD_MESSAGE_SIZE);
        PlatformDependent.setMemory(m, FD_MESSAGE_SIZE, (byte) 0);
        return m;
    }

    /** A message of one byte and room for one descriptor (the kernel rewrites the lengths on a receive). */
    private static void resetFdMessage(long m) {
        PlatformDependent.setMemory(m, FD_MESSAGE_SIZE, (byte) 0);
        PlatformDependent.putLong(m + MSGHDR_IOV, m + IOV_AT);
        PlatformDependent.putLong(m + MSGHDR_IOVLEN, 1);
        PlatformDependent.putLong(m + MSGHDR_CONTROL, m + CONTROL_AT);
        PlatformDependent.putLong(m + MSGHDR_CONTROLLEN, CONTROL_SPACE);
        PlatformDependent.putInt(m + MSGHDR_FLAGS, 0);
        PlatformDependent.putLong(m + IOV_AT, m + BYTE_AT);
        PlatformDependent.putLong(m + IOV_AT + 8, 1);
    }

    @Override
    void freeFamilyResources() {
        if (sendFdMemory != 0) {
            PlatformDependent.freeMemory(sendFdMemory);
            sendFdMemory = 0;
        }
        if (recvFdMemory != 0) {
            PlatformDependent.freeMemory(recvFdMemory);
            recvFdMemory = 0;
        }
    }
}
