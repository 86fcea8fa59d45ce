/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.getbuf.transport.internal.Ring;

import java.util.SplittableRandom;

/**
 * Faults injected into one event loop, for tests that hunt the rare paths: what the kernel does only under
 * pressure (a full submission queue, {@code io_uring_enter} refusing work, a partial buffer update, an empty buffer
 * ring, a cancellation in the middle of a chain, EMFILE on accept) made to happen on demand, at random, from a
 * seed. Set with {@link GetBufIoHandler#injectFaults} on the loop's own thread; a loop without one (production)
 * pays one null check where a fault could be injected.
 *
 * <p>Each fault is one the kernel really produces, injected where the transport would meet it, so that what the
 * transport does about it is exercised for real: a refused {@code io_uring_enter} does not enter the kernel, a
 * cancellation is a real {@code IORING_OP_ASYNC_CANCEL}, an accepted connection reported as EMFILE is closed.
 * Every probability is per chance (per call where the fault could happen), 0 by default. Event loop only.
 */
final class FaultInjector {
    private static final int[] ENTER_ERRORS = {
            Native.ERRNO_EBUSY, Native.ERRNO_EAGAIN, Native.ERRNO_ENOMEM, Native.ERRNO_EINTR,
    };

    /** A provided-buffer group id no ring registers: a recv from it finds no buffer (-ENOBUFS). */
    static final short NO_BUFFER_GROUP = 0x7ffe;

    private final SplittableRandom random;
    /** A chain finds the SQ too full for it when it starts (it must submit what is queued first). */
    double sqFull;
    /** {@code io_uring_enter} returns -EBUSY, -EAGAIN, -ENOMEM or -EINTR without taking anything. */
    double enterRefused;
    /** A chain just written gets a real cancellation of one of its operations (-ECANCELED mid-chain). */
    double cancelInChain;
    /** A registered-buffer update does only part of its slots (as under RLIMIT_MEMLOCK). */
    double partialBufferUpdate;
    /** A buffer-ring recv finds the ring empty (-ENOBUFS). */
    double bufferRingEmpty;
    /** An accept fails with -EMFILE (the accepted connection is closed). */
    double acceptEmfile;
    /** A transfer woken by a pool, or a registered-buffer allocation served from the waiting line, throws. */
    double wakeFails;

    private long injected;

    FaultInjector(long seed) {
        random = new SplittableRandom(seed);
    }

    /** Every fault at probability {@code p}. */
    FaultInjector all(double p) {
        sqFull = p;
        enterRefused = p;
        cancelInChain = p;
        partialBufferUpdate = p;
        bufferRingEmpty = p;
        acceptEmfile = p;
        wakeFails = p;
        return this;
    }

    private boolean chance(double p) {
        if (p > 0 && random.nextDouble() < p) {
            injected++;
            return true;
        }
        return false;
    }

    /** How many faults were injected so far. */
    long injected() {
        return injected;
    }

    boolean sqFull(int sqes) {
        return chance(sqFull);
    }

    /** {@code io_uring_enter}, or one of the errors the kernel answers when it takes nothing. */
    int enter(Ring ring, int minComplete) {
        if (chance(enterRefused)) {
            // the queued SQEs are published, as the real call does before the kernel refuses to take them
            ring.publish();
            return -ENTER_ERRORS[random.nextInt(ENTER_ERRORS.length)];
        }
        return ring.submit(minComplete);
    }

    boolean cancelInChain() {
        return chance(cancelInChain);
    }

    /** Which of {@code chainLength} operations to cancel. */
    int pick(int chainLength) {
        return random.nextInt(chainLength);
    }

    /** How many of {@code count} slots a buffer update does (fewer than {@code count} when injected). */
    int bufferUpdateCount(int count) {
        return count > 0 && chance(partialBufferUpdate) ? random.nextInt(count) : count;
    }

    boolean bufferRingEmpty() {
        return chance(bufferRingEmpty);
    }

    boolean acceptEmfile() {
        return chance(acceptEmfile);
    }

    /** Throws, as a bug in whatever a pool's wake-up runs would. */
    void maybeFailWake(String where) {
        if (chance(wakeFails)) {
            throw new InjectedFault("injected failure in " + where);
        }
    }

    /** What an injected failure throws. */
    static final class InjectedFault extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFault(String message) {
            super(message);
        }
    }
}
