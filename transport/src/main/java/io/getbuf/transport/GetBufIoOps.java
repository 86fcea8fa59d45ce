/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.netty.channel.IoOps;

/**
 * One submission queue entry, described: what {@link io.netty.channel.IoRegistration#submit} takes from a getbuf
 * channel. {@code data} comes back in the completion's {@link GetBufIoEvent}.
 *
 * <p>Every SQE the transport writes is described by one of the named methods here, each of which fills this
 * object and returns it. {@code submit} copies the description into the SQ before it returns, so an owner (a
 * channel, the handler) keeps one instance and fills it again for every submission: the hot path allocates nothing.
 * An instance is confined to its owner's event loop.
 */
final class GetBufIoOps implements IoOps {
    byte opcode;
    byte flags;
    short ioPrio;
    int fd;
    long off;
    long addr;
    int len;
    int opFlags;
    short data;
    short bufIndex;
    int spliceFdIn;
    long addr3;

    GetBufIoOps() {
    }

    public byte opcode() {
        return opcode;
    }

    public short data() {
        return data;
    }

    /** Starts a new description: every field zero but these. */
    private GetBufIoOps describe(byte opcode, int fd, short data) {
        this.opcode = opcode;
        this.flags = 0;
        this.ioPrio = 0;
        this.fd = fd;
        this.off = 0;
        this.addr = 0;
        this.len = 0;
        this.opFlags = 0;
        this.data = data;
        this.bufIndex = 0;
        this.spliceFdIn = 0;
        this.addr3 = 0;
        return this;
    }

    GetBufIoOps accept(int fd, boolean multishot, int acceptFlags, short data) {
        describe(Native.IORING_OP_ACCEPT, fd, data);
        ioPrio = multishot ? Native.IORING_ACCEPT_MULTISHOT : 0;
        opFlags = acceptFlags;
        return this;
    }

    GetBufIoOps connect(int fd, long sockaddr, int sockaddrLen, short data) {
        describe(Native.IORING_OP_CONNECT, fd, data);
        addr = sockaddr;
        off = sockaddrLen;
        return this;
    }

    /** {@code pollFirst}: the socket is known to be empty, so wait for data before trying. */
    GetBufIoOps recv(int fd, long addr, int len, boolean pollFirst, short data) {
        describe(Native.IORING_OP_RECV, fd, data);
        this.addr = addr;
        this.len = len;
        ioPrio = pollFirst ? Native.IORING_RECVSEND_POLL_FIRST : 0;
        return this;
    }

    /**
     * A recv that never waits (MSG_DONTWAIT): it completes with what the socket holds, or with -EAGAIN, instead of
     * parking in the kernel. For sockets whose readiness a multishot poll reports.
     */
    GetBufIoOps recvNow(int fd, long addr, int len, short data) {
        describe(Native.IORING_OP_RECV, fd, data);
        this.addr = addr;
        this.len = len;
        opFlags = Native.MSG_DONTWAIT;
        return this;
    }

    /** A recv (multishot or single) that picks buffers from provided-buffer group {@code bgid}. */
    GetBufIoOps recvBufferRing(int fd, short bgid, boolean multishot, int len, boolean pollFirst, short data) {
        describe(Native.IORING_OP_RECV, fd, data);
        flags = Native.IOSQE_BUFFER_SELECT;
        ioPrio = (short) ((multishot ? Native.IORING_RECV_MULTISHOT : 0)
                | (pollFirst ? Native.IORING_RECVSEND_POLL_FIRST : 0));
        this.len = len;
        bufIndex = bgid;
        return this;
    }

    GetBufIoOps send(int fd, long addr, int len, int msgFlags, short data) {
        describe(Native.IORING_OP_SEND, fd, data);
        this.addr = addr;
        this.len = len;
        opFlags = msgFlags;
        return this;
    }

    /**
     * {@code IORING_OP_SEND_ZC} of {@code len} bytes at {@code addr}, which lies in registered buffer {@code slot}
     * ({@code IORING_RECVSEND_FIXED_BUF}): two completions, the result (with {@code IORING_CQE_F_MORE}) and the
     * notification ({@code IORING_CQE_F_NOTIF}) once the socket no longer needs the memory.
     */
    GetBufIoOps sendZcFixed(int fd, long addr, int len, int msgFlags, int slot, short data) {
        describe(Native.IORING_OP_SEND_ZC, fd, data);
        this.addr = addr;
        this.len = len;
        opFlags = msgFlags;
        ioPrio = Native.IORING_RECVSEND_FIXED_BUF;
        bufIndex = (short) slot;
        return this;
    }

    /**
     * {@code IORING_OP_GET_BUF} (getbuf's kernel patch): {@code len} bytes of {@code fd} at {@code offset}, the file's
     * own pages, installed as a kernel buffer in the empty registered-buffer slot {@code slot} (addressed from 0).
     */
    GetBufIoOps getBuf(int fd, long offset, int len, int slot, short data) {
        describe(Native.getBufOpcode(), fd, data);
        off = offset;
        this.len = len;
        bufIndex = (short) slot;
        return this;
    }

    /** sendmsg(2) of the struct msghdr at {@code msghdr} (its iovecs name the bytes) with {@code msgFlags}. */
    GetBufIoOps sendmsg(int fd, long msghdr, int msgFlags, short data) {
        describe(Native.IORING_OP_SENDMSG, fd, data);
        addr = msghdr;
        len = 1;
        opFlags = msgFlags;
        return this;
    }

    GetBufIoOps writev(int fd, long iov, int iovCount, short data) {
        describe(Native.IORING_OP_WRITEV, fd, data);
        addr = iov;
        len = iovCount;
        return this;
    }

    /** A one-shot poll for {@code events} (POLL* bits). */
    GetBufIoOps pollAdd(int fd, int events, short data) {
        describe(Native.IORING_OP_POLL_ADD, fd, data);
        opFlags = events;
        return this;
    }

    /** A multishot poll for {@code events}: one completion per wake-up, armed until cancelled. */
    GetBufIoOps pollAddMultishot(int fd, int events, short data) {
        pollAdd(fd, events, data);
        len = Native.IORING_POLL_ADD_MULTI;
        return this;
    }

    /** Cancels the operation submitted with {@code userData}. */
    GetBufIoOps cancel(long userData, short data) {
        describe(Native.IORING_OP_ASYNC_CANCEL, -1, data);
        addr = userData;
        return this;
    }

    /** Reads {@code len} bytes of {@code fd} at its file position into {@code addr}. */
    GetBufIoOps read(int fd, long addr, int len, short data) {
        describe(Native.IORING_OP_READ, fd, data);
        this.addr = addr;
        this.len = len;
        return this;
    }

    /** A timeout that fires after the {@code struct __kernel_timespec} at {@code timespec} (no completion count). */
    GetBufIoOps timeout(long timespec, short data) {
        describe(Native.IORING_OP_TIMEOUT, -1, data);
        addr = timespec;
        len = 1;
        return this;
    }

    /** Moves the timeout submitted with {@code userData} to the timespec at {@code timespec}. */
    GetBufIoOps timeoutUpdate(long userData, long timespec, short data) {
        describe(Native.IORING_OP_TIMEOUT_REMOVE, -1, data);
        addr = userData;
        off = timespec;
        opFlags = Native.IORING_TIMEOUT_UPDATE;
        return this;
    }

    /** Removes (cancels) the timeout submitted with {@code userData}. */
    GetBufIoOps timeoutRemove(long userData, short data) {
        describe(Native.IORING_OP_TIMEOUT_REMOVE, -1, data);
        addr = userData;
        return this;
    }

    /**
     * splice(2) of {@code len} bytes from {@code fdIn} (at {@code offIn}, or -1 for a pipe) to {@code fdOut} (at
     * {@code offOut}, or -1); one side must be a pipe. The kernel always runs it on an io-wq worker.
     */
    GetBufIoOps splice(int fdIn, long offIn, int fdOut, long offOut, int len, int spliceFlags, short data) {
        describe(Native.IORING_OP_SPLICE, fdOut, data);
        off = offOut;
        addr = offIn;      // splice_off_in
        spliceFdIn = fdIn;
        this.len = len;
        opFlags = spliceFlags;
        return this;
    }

    /**
     * {@code IORING_OP_READ_FIXED}: {@code len} bytes of {@code fd} at {@code offset} into {@code addr}, which lies in
     * registered buffer {@code slot}.
     */
    GetBufIoOps readFixed(int fd, long offset, long addr, int len, int slot, short data) {
        describe(Native.IORING_OP_READ_FIXED, fd, data);
        off = offset;
        this.addr = addr;
        this.len = len;
        bufIndex = (short) slot;
        return this;
    }

    /** {@code IORING_OP_READ} of {@code len} bytes of {@code fd} at {@code offset} (not the file position). */
    GetBufIoOps readAt(int fd, long offset, long addr, int len, short data) {
        describe(Native.IORING_OP_READ, fd, data);
        off = offset;
        this.addr = addr;
        this.len = len;
        return this;
    }

    /** {@code IORING_OP_RECVMSG}: not among {@code Native}'s opcodes, which the TCP channels never needed. */
    static final byte IORING_OP_RECVMSG = 10;

    /**
     * recvmsg(2) into the struct msghdr at {@code msghdr} (its iovec names the buffer, its name and control fields
     * take the sender and the ancillary data: a datagram's sender, a Unix socket's SCM_RIGHTS descriptors).
     * {@code msgFlags} MSG_DONTWAIT: complete with -EAGAIN rather than wait.
     */
    GetBufIoOps recvmsg(int fd, long msghdr, int msgFlags, boolean pollFirst, short data) {
        describe(IORING_OP_RECVMSG, fd, data);
        addr = msghdr;
        len = 1;
        opFlags = msgFlags;
        ioPrio = pollFirst ? Native.IORING_RECVSEND_POLL_FIRST : 0;
        return this;
    }

    /**
     * Asks for no CQE when the described operation succeeds ({@code IOSQE_CQE_SKIP_SUCCESS}): it reports only a
     * failure (for a GET_BUF, also a short one). One that fails in a chain silences the CQEs of every operation linked
     * after it (6.12's {@code REQ_F_SKIP_LINK_CQES}), though not their zero-copy notifications: the submitter must
     * account for those ({@link FileTransfer#submitSilentOnSuccess}). The loop does not count the operation in flight.
     */
    GetBufIoOps silentOnSuccess() {
        flags |= Native.IOSQE_CQE_SKIP_SUCCESS;
        return this;
    }

    /** Links the described SQE to the next one (IOSQE_IO_LINK): that one starts after this one succeeded. */
    GetBufIoOps linked() {
        flags |= Native.IOSQE_IO_LINK;
        return this;
    }

    @Override
    public String toString() {
        return "GetBufIoOps{opcode=" + opcode + ", flags=" + flags + ", ioPrio=" + ioPrio + ", fd=" + fd
                + ", off=" + off + ", addr=" + addr + ", len=" + len + ", opFlags=" + opFlags + ", data=" + data
                + ", bufIndex=" + bufIndex + '}';
    }
}
