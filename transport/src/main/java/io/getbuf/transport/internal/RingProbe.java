/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.internal;

import io.netty.channel.unix.Buffer;
import io.netty.channel.unix.Errors;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * What a ring supports, asked of the kernel rather than inferred from its version:
 * IORING_REGISTER_PROBE for opcodes, and trial registrations for the features that have no
 * opcode (provided buffer rings, incremental consumption, sparse registered buffers).
 */
public final class RingProbe {
    private static final int PROBE_OPS = 256;
    private static final int PROBE_HEADER = 16;
    private static final int PROBE_OP_SIZE = 8;

    private final boolean[] supportedOps = new boolean[PROBE_OPS];
    private final int lastOp;
    private final boolean bufferRing;
    private final boolean incrementalBufferRing;
    private final boolean sparseBuffers;

    private RingProbe(Ring ring) throws IOException {
        ByteBuffer probe = KernelStruct.allocate(PROBE_HEADER + PROBE_OPS * PROBE_OP_SIZE);
        try {
            int res = Native.ioUringRegister(ring.fd(), Native.IORING_REGISTER_PROBE,
                    Buffer.memoryAddress(probe), PROBE_OPS);
            if (res < 0) {
                throw Errors.newIOException("io_uring_register(PROBE)", res);
            }
            lastOp = probe.get(0) & 0xff;
            int opsLen = probe.get(1) & 0xff;
            for (int i = 0; i < opsLen; i++) {
                int base = PROBE_HEADER + i * PROBE_OP_SIZE;
                int op = probe.get(base) & 0xff;
                short flags = probe.getShort(base + 2);
                supportedOps[op] = (flags & Native.IO_URING_OP_SUPPORTED) != 0;
            }
        } finally {
            Buffer.free(probe);
        }
        bufferRing = BufferRingRegistration.tryRegister(ring.fd(), 0);
        incrementalBufferRing = bufferRing && BufferRingRegistration.tryRegister(ring.fd(), Native.IOU_PBUF_RING_INC);
        sparseBuffers = RegisteredBuffers.trySparseTable(ring.fd());
    }

    public static RingProbe probe(Ring ring) throws IOException {
        return new RingProbe(ring);
    }

    public boolean isSupported(byte opcode) {
        return supportedOps[opcode & 0xff];
    }

    public int lastOp() {
        return lastOp;
    }

    public boolean bufferRing() {
        return bufferRing;
    }

    public boolean incrementalBufferRing() {
        return incrementalBufferRing;
    }

    public boolean sparseRegisteredBuffers() {
        return sparseBuffers;
    }
}
