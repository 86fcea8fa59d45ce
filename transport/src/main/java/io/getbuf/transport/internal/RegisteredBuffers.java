/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.internal;

import io.netty.channel.unix.Buffer;

import java.nio.ByteBuffer;

/** The registered (fixed) buffer table of a ring: IORING_REGISTER_BUFFERS2 and friends. */
public final class RegisteredBuffers {
    private static final int SIZEOF_RSRC_REGISTER = 32;
    private static final int IORING_UNREGISTER_BUFFERS = 1;
    private static final int IORING_RSRC_REGISTER_SPARSE = 1;

    private RegisteredBuffers() {
    }

    /** Creates an empty table of {@code slots} slots; returns 0 or -errno. */
    public static int registerSparse(int ringFd, int slots) {
        ByteBuffer rr = KernelStruct.allocate(SIZEOF_RSRC_REGISTER);
        try {
            rr.putInt(0, slots);
            rr.putInt(4, IORING_RSRC_REGISTER_SPARSE);
            return Native.ioUringRegister(ringFd, Native.IORING_REGISTER_BUFFERS2, Buffer.memoryAddress(rr),
                    SIZEOF_RSRC_REGISTER);
        } finally {
            Buffer.free(rr);
        }
    }

    public static int unregister(int ringFd) {
        return Native.ioUringRegister(ringFd, IORING_UNREGISTER_BUFFERS, 0, 0);
    }

    static boolean trySparseTable(int ringFd) {
        if (registerSparse(ringFd, 1) < 0) {
            return false;
        }
        unregister(ringFd);
        return true;
    }
}
