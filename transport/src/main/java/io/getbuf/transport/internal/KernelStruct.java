/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.internal;

import io.netty.channel.unix.Buffer;

import java.nio.ByteBuffer;

/** Scratch memory for an argument struct of a syscall: native order, zeroed (reserved fields must be 0). */
final class KernelStruct {
    private KernelStruct() {
    }

    /** Returns zeroed direct memory of {@code size} bytes (a multiple of 4); free it with {@link Buffer#free}. */
    static ByteBuffer allocate(int size) {
        ByteBuffer b = Buffer.allocateDirectWithNativeOrder(size);
        for (int i = 0; i < size; i += Integer.BYTES) {
            b.putInt(i, 0);
        }
        return b;
    }
}
