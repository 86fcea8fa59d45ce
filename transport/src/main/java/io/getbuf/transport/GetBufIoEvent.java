/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.channel.IoEvent;

/**
 * One completion, as handed to a getbuf {@link io.netty.channel.IoHandle}. The handler reuses
 * a single instance: it is only valid during the {@code handle} call.
 */
final class GetBufIoEvent implements IoEvent {
    private int res;
    private int flags;
    private byte opcode;
    private short data;

    void set(int res, int flags, byte opcode, short data) {
        this.res = res;
        this.flags = flags;
        this.opcode = opcode;
        this.data = data;
    }

    /** The CQE's result: bytes, an fd, or {@code -errno}. */
    public int res() {
        return res;
    }

    /** The CQE's flags (IORING_CQE_F_*). */
    public int flags() {
        return flags;
    }

    public byte opcode() {
        return opcode;
    }

    /** What the submitter put in {@link GetBufIoOps#data()}. */
    public short data() {
        return data;
    }

    @Override
    public String toString() {
        return "GetBufIoEvent{res=" + res + ", flags=" + flags + ", opcode=" + opcode + ", data=" + data + '}';
    }
}
