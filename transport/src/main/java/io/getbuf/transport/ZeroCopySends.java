/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.buffer.ByteBuf;

/**
 * The references a channel's zero-copy sends hold on their buffers until the kernel's notification, by number (the
 * number travels in the operation's data field, so a notification finds its buffer whatever order notifications
 * come back in). Event loop only.
 */
final class ZeroCopySends {
    /** Numbers fit the data field's high byte. */
    static final int MAX_HELD = 255;

    private final ByteBuf[] held = new ByteBuf[MAX_HELD];
    private int count;
    private int next;
    private long sends;

    /** Retains {@code buf} under a free number and returns it, or -1 when {@link #MAX_HELD} are held. */
    int hold(ByteBuf buf) {
        if (count == MAX_HELD) {
            return -1;
        }
        while (held[next] != null) {
            next = (next + 1) % MAX_HELD;
        }
        int n = next;
        held[n] = buf.retain();
        count++;
        sends++;
        next = (n + 1) % MAX_HELD;
        return n;
    }

    /** Releases the reference held under {@code n}. */
    void release(int n) {
        ByteBuf buf = held[n];
        if (buf == null) {
            throw new IllegalStateException("no zero-copy send holds reference " + n);
        }
        held[n] = null;
        count--;
        buf.release();
    }

    /** Zero-copy sends submitted so far. */
    long sends() {
        return sends;
    }

    /** References held (tests: 0 once every notification came back). */
    int held() {
        return count;
    }
}
