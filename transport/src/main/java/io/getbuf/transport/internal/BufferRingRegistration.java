/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.internal;

import io.netty.channel.unix.Buffer;
import io.netty.channel.unix.Errors;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * IORING_REGISTER_PBUF_RING / UNREGISTER_PBUF_RING: the memory of a provided-buffer ring
 * and its registration under a buffer group id.
 */
public final class BufferRingRegistration {
    private static final int SIZEOF_BUF_REG = 40;
    public static final int SIZEOF_BUF = 16;

    private BufferRingRegistration() {
    }

    /** Registers {@code entries} (a power of two) ring slots at page-aligned {@code ringAddress}. */
    public static int register(int ringFd, long ringAddress, int entries, short bgid, int flags) {
        ByteBuffer reg = KernelStruct.allocate(SIZEOF_BUF_REG);
        try {
            reg.putLong(0, ringAddress);
            reg.putInt(8, entries);
            reg.putShort(12, bgid);
            reg.putShort(14, (short) flags);
            return Native.ioUringRegister(ringFd, Native.IORING_REGISTER_PBUF_RING, Buffer.memoryAddress(reg), 1);
        } finally {
            Buffer.free(reg);
        }
    }

    public static int unregister(int ringFd, short bgid) {
        ByteBuffer reg = KernelStruct.allocate(SIZEOF_BUF_REG);
        try {
            reg.putShort(12, bgid);
            return Native.ioUringRegister(ringFd, Native.IORING_UNREGISTER_PBUF_RING, Buffer.memoryAddress(reg), 1);
        } finally {
            Buffer.free(reg);
        }
    }

    /** Page-aligned memory for a ring of {@code entries} slots. */
    public static long allocateRing(int entries) throws IOException {
        long addr = Native.mmapAnonymous(ringLength(entries));
        if (addr < 0) {
            throw Errors.newIOException("mmap(buffer ring)", (int) addr);
        }
        return addr;
    }

    public static void freeRing(long address, int entries) {
        Native.munmap(address, ringLength(entries));
    }

    private static long ringLength(int entries) {
        return (long) entries * SIZEOF_BUF;
    }

    /** True when the kernel accepts a buffer ring registered with {@code flags}. */
    static boolean tryRegister(int ringFd, int flags) throws IOException {
        long mem = allocateRing(1);
        try {
            short bgid = (short) 0x7fff;
            if (register(ringFd, mem, 1, bgid, flags) < 0) {
                return false;
            }
            unregister(ringFd, bgid);
            return true;
        } finally {
            freeRing(mem, 1);
        }
    }
}
