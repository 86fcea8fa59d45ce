/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.internal;

import io.netty.channel.unix.Buffer;
import io.netty.channel.unix.Errors;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One io_uring instance: the ring fd, its mmapped SQ/CQ and the setup flags the kernel
 * accepted. Created with the best flags the kernel takes, dropping the newest ones it refuses.
 */
public final class Ring implements AutoCloseable {
    /** Optional setup flags, newest last: on -EINVAL the newest remaining one is dropped. */
    private static final int[] OPTIONAL_FLAGS = {
            Native.IORING_SETUP_CLAMP,            // 5.6
            Native.IORING_SETUP_SUBMIT_ALL,       // 5.18
            Native.IORING_SETUP_COOP_TASKRUN,     // 5.19
            Native.IORING_SETUP_SINGLE_ISSUER | Native.IORING_SETUP_R_DISABLED, // 6.0
            Native.IORING_SETUP_DEFER_TASKRUN,    // 6.1 (needs SINGLE_ISSUER, replaces COOP)
            Native.IORING_SETUP_NO_SQARRAY,       // 6.6
    };

    private final int fd;
    private final int setupFlags;
    private final int features;
    private final long ringAddress;
    private final long ringLength;
    private final long sqesAddress;
    private final long sqesLength;
    private final SubmissionQueue sq;
    private final CompletionQueue cq;
    private boolean closed;

    private Ring(int fd, int setupFlags, ByteBuffer params) throws IOException {
        this.fd = fd;
        this.setupFlags = setupFlags;
        this.features = params.getInt(20);
        int sqEntries = params.getInt(0);
        int cqEntries = params.getInt(4);
        int sqArray = params.getInt(64);
        int cqes = params.getInt(100);
        boolean noSqArray = (setupFlags & Native.IORING_SETUP_NO_SQARRAY) != 0;
        if ((features & Native.IORING_FEAT_SINGLE_MMAP) == 0) {
            Native.close(fd);
            throw new IOException("io_uring without IORING_FEAT_SINGLE_MMAP (kernel older than 5.4)");
        }
        long sqRingLength = noSqArray ? 0 : sqArray + (long) sqEntries * Integer.BYTES;
        ringLength = Math.max(sqRingLength, cqes + (long) cqEntries * Native.SIZEOF_CQE);
        sqesLength = (long) sqEntries * Native.SIZEOF_SQE;
        long ring = Native.mmap(fd, ringLength, Native.IORING_OFF_SQ_RING);
        if (ring < 0) {
            Native.close(fd);
            throw Errors.newIOException("mmap(io_uring rings)", (int) ring);
        }
        long sqes = Native.mmap(fd, sqesLength, Native.IORING_OFF_SQES);
        if (sqes < 0) {
            Native.munmap(ring, ringLength);
            Native.close(fd);
            throw Errors.newIOException("mmap(io_uring sqes)", (int) sqes);
        }
        ringAddress = ring;
        sqesAddress = sqes;
        ByteBuffer ringBuf = Buffer.wrapMemoryAddressWithNativeOrder(ring, (int) ringLength);
        ByteBuffer sqesBuf = Buffer.wrapMemoryAddressWithNativeOrder(sqes, (int) sqesLength);
        sq = new SubmissionQueue(ringBuf, sqesBuf, params.getInt(40), params.getInt(44), params.getInt(48),
                params.getInt(52), params.getInt(56), sqArray, noSqArray);
        cq = new CompletionQueue(ringBuf, params.getInt(80), params.getInt(84), params.getInt(88),
                params.getInt(92), params.getInt(96), cqes);
    }

    /**
     * Creates a ring with {@code entries} SQEs and {@code cqEntries} CQEs (0: the kernel's
     * default of twice the SQ), trying every optional flag in {@code optionalFlagsMask}.
     */
    public static Ring open(int entries, int cqEntries, int optionalFlagsMask) throws IOException {
        int optional = 0;
        for (int f : OPTIONAL_FLAGS) {
            optional |= f & optionalFlagsMask;
        }
        int level = OPTIONAL_FLAGS.length;
        for (;;) {
            int flags = flagsUpTo(level, optional);
            if ((flags & Native.IORING_SETUP_DEFER_TASKRUN) != 0) {
                flags &= ~Native.IORING_SETUP_COOP_TASKRUN;
            }
            if (cqEntries > 0) {
                flags |= Native.IORING_SETUP_CQSIZE;
            }
            ByteBuffer params = KernelStruct.allocate(Native.SIZEOF_PARAMS);
            try {
                params.putInt(4, cqEntries);
                params.putInt(8, flags);
                int res = Native.ioUringSetup(entries, Buffer.memoryAddress(params));
                if (res >= 0) {
                    return new Ring(res, flags, params);
                }
                if (res != -Native.ERRNO_EINVAL || level == 0) {
                    throw Errors.newIOException("io_uring_setup", res);
                }
                level--;
            } finally {
                Buffer.free(params);
            }
        }
    }

    private static int flagsUpTo(int level, int optional) {
        int flags = 0;
        for (int i = 0; i < level; i++) {
            flags |= OPTIONAL_FLAGS[i];
        }
        return flags & optional;
    }

    public int fd() {
        return fd;
    }

    public int setupFlags() {
        return setupFlags;
    }

    public int features() {
        return features;
    }

    public SubmissionQueue submissionQueue() {
        return sq;
    }

    public CompletionQueue completionQueue() {
        return cq;
    }

    /** With IORING_SETUP_R_DISABLED, binds the ring to the calling thread (SINGLE_ISSUER). */
    public void enable() throws IOException {
        if ((setupFlags & Native.IORING_SETUP_R_DISABLED) != 0) {
            int res = Native.ioUringRegister(fd, Native.IORING_REGISTER_ENABLE_RINGS, 0, 0);
            if (res < 0) {
                throw Errors.newIOException("io_uring_register(ENABLE_RINGS)", res);
            }
        }
    }

    /**
     * Submits what was queued and, with {@code minComplete} > 0, waits for that many
     * completions. Returns the number submitted or {@code -errno} (EINTR included: the caller
     * just looks at the CQ again).
     */
    public int submit(int minComplete) {
        int toSubmit = sq.flush();
        int flags = Native.IORING_ENTER_GETEVENTS;
        return Native.ioUringEnter(fd, toSubmit, minComplete, flags, 0, 0);
    }

    /**
     * Publishes what was queued without entering the kernel: what an {@code io_uring_enter} that took none of it
     * leaves behind (tests: an injected -EBUSY); the next {@link #submit} submits it.
     */
    public void publish() {
        sq.flush();
    }

    /** True when the kernel holds completions that did not fit the CQ (IORING_FEAT_NODROP). */
    public boolean cqOverflowed() {
        return (sq.flags() & Native.IORING_SQ_CQ_OVERFLOW) != 0;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Native.munmap(sqesAddress, sqesLength);
        Native.munmap(ringAddress, ringLength);
        Native.close(fd);
    }
}
