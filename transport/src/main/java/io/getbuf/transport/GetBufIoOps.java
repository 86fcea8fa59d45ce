/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.netty.channel.IoOps;

/**
 * One submission queue entry, described as a value: what {@link io.netty.channel.IoRegistration#submit}
 * takes from a getbuf channel. {@code data} comes back in the completion's {@link GetBufIoEvent}.
 */
public final class GetBufIoOps implements IoOps {
    final byte opcode;
    final byte flags;
    final short ioPrio;
    final int fd;
    final long off;
    final long addr;
    final int len;
    final int opFlags;
    final short data;
    final short bufIndex;
    final int spliceFdIn;
    final long addr3;

    GetBufIoOps(byte opcode, byte flags, short ioPrio, int fd, long off, long addr, int len, int opFlags,
                short data, short bufIndex, int spliceFdIn, long addr3) {
        this.opcode = opcode;
        this.flags = flags;
        this.ioPrio = ioPrio;
        this.fd = fd;
        this.off = off;
        this.addr = addr;
        this.len = len;
        this.opFlags = opFlags;
        this.data = data;
        this.bufIndex = bufIndex;
        this.spliceFdIn = spliceFdIn;
        this.addr3 = addr3;
    }

    public byte opcode() {
        return opcode;
    }

    public short data() {
        return data;
    }

    static GetBufIoOps accept(int fd, boolean multishot, int acceptFlags, short data) {
        return new GetBufIoOps(Native.IORING_OP_ACCEPT, (byte) 0,
                multishot ? Native.IORING_ACCEPT_MULTISHOT : 0, fd, 0, 0, 0, acceptFlags, data, (short) 0, 0, 0);
    }

    static GetBufIoOps connect(int fd, long sockaddr, int sockaddrLen, short data) {
        return new GetBufIoOps(Native.IORING_OP_CONNECT, (byte) 0, (short) 0, fd, sockaddrLen, sockaddr, 0, 0,
                data, (short) 0, 0, 0);
    }

    /** {@code pollFirst}: the socket is known to be empty, so wait for data before trying. */
    static GetBufIoOps recv(int fd, long addr, int len, boolean pollFirst, short data) {
        return new GetBufIoOps(Native.IORING_OP_RECV, (byte) 0, pollFirst ? Native.IORING_RECVSEND_POLL_FIRST : 0,
                fd, 0, addr, len, 0, data, (short) 0, 0, 0);
    }

    /**
     * A recv that never waits (MSG_DONTWAIT): it completes with what the socket holds, or with
     * -EAGAIN, instead of parking in the kernel. For sockets whose readiness a multishot poll reports.
     */
    static GetBufIoOps recvNow(int fd, long addr, int len, short data) {
        return new GetBufIoOps(Native.IORING_OP_RECV, (byte) 0, (short) 0, fd, 0, addr, len, Native.MSG_DONTWAIT,
                data, (short) 0, 0, 0);
    }

    /** A recv (multishot or single) that picks buffers from provided-buffer group {@code bgid}. */
    static GetBufIoOps recvBufferRing(int fd, short bgid, boolean multishot, int len, boolean pollFirst, short data) {
        int ioPrio = (multishot ? Native.IORING_RECV_MULTISHOT : 0) | (pollFirst ? Native.IORING_RECVSEND_POLL_FIRST : 0);
        return new GetBufIoOps(Native.IORING_OP_RECV, Native.IOSQE_BUFFER_SELECT, (short) ioPrio, fd, 0, 0, len, 0,
                data, bgid, 0, 0);
    }

    static GetBufIoOps send(int fd, long addr, int len, int msgFlags, short data) {
        return new GetBufIoOps(Native.IORING_OP_SEND, (byte) 0, (short) 0, fd, 0, addr, len, msgFlags, data,
                (short) 0, 0, 0);
    }

    static GetBufIoOps writev(int fd, long iov, int iovCount, short data) {
        return new GetBufIoOps(Native.IORING_OP_WRITEV, (byte) 0, (short) 0, fd, 0, iov, iovCount, 0, data,
                (short) 0, 0, 0);
    }

    /** A one-shot poll for {@code events} (POLL* bits). */
    static GetBufIoOps pollAdd(int fd, int events, short data) {
        return new GetBufIoOps(Native.IORING_OP_POLL_ADD, (byte) 0, (short) 0, fd, 0, 0, 0, events, data,
                (short) 0, 0, 0);
    }

    /** A multishot poll for {@code events}: one completion per wake-up, armed until cancelled. */
    static GetBufIoOps pollAddMultishot(int fd, int events, short data) {
        return new GetBufIoOps(Native.IORING_OP_POLL_ADD, (byte) 0, (short) 0, fd, 0, 0, Native.IORING_POLL_ADD_MULTI,
                events, data, (short) 0, 0, 0);
    }

    static GetBufIoOps close(int fd, short data) {
        return new GetBufIoOps(Native.IORING_OP_CLOSE, (byte) 0, (short) 0, fd, 0, 0, 0, 0, data,
                (short) 0, 0, 0);
    }

    /** Cancels the operation submitted with {@code userData}. */
    static GetBufIoOps cancel(long userData, short data) {
        return new GetBufIoOps(Native.IORING_OP_ASYNC_CANCEL, (byte) 0, (short) 0, -1, 0, userData, 0, 0, data,
                (short) 0, 0, 0);
    }

    @Override
    public String toString() {
        return "GetBufIoOps{opcode=" + opcode + ", flags=" + flags + ", ioPrio=" + ioPrio + ", fd=" + fd
                + ", off=" + off + ", addr=" + addr + ", len=" + len + ", opFlags=" + opFlags + ", data=" + data
                + ", bufIndex=" + bufIndex + '}';
    }
}
