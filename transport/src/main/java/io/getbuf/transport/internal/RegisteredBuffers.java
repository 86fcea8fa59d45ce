/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.internal;

import io.netty.channel.unix.Buffer;
import io.netty.util.internal.PlatformDependent;

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

    /** struct iovec: base and length. */
    public static final int SIZEOF_IOVEC = 16;
    private static final int SIZEOF_RSRC_UPDATE2 = 32;

    /**
     * IORING_REGISTER_BUFFERS_UPDATE: slots {@code offset .. offset + nr - 1} take the {@code nr} iovecs at
     * {@code iovecs} (an iovec with a null base empties its slot). {@code update} is scratch memory of
     * {@link #SIZEOF_UPDATE} bytes. Returns how many slots were updated, or -errno (-EBUSY: a slot to replace is
     * still in use by the kernel; nothing is changed then).
     */
    public static int update(int ringFd, int offset, long iovecs, int nr, long update) {
        PlatformDependent.setMemory(update, SIZEOF_RSRC_UPDATE2, (byte) 0);
        PlatformDependent.putInt(update, offset);          // offset
        PlatformDependent.putLong(update + 8, iovecs);     // data
        PlatformDependent.putInt(update + 24, nr);         // nr
        return Native.ioUringRegister(ringFd, Native.IORING_REGISTER_BUFFERS_UPDATE, update, SIZEOF_RSRC_UPDATE2);
    }

    /** Scratch bytes {@link #update} needs. */
    public static final int SIZEOF_UPDATE = SIZEOF_RSRC_UPDATE2;

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
