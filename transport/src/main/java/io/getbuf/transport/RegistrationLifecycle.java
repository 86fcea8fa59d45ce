/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a channel stands with its ring registrations, and so who closes its fd and frees its native memory.
 *
 * <p>A registration ends ({@link #drained}) only when every operation it submitted has reported back, which may be
 * long after Netty considers the channel deregistered, and on the old event loop's thread. Until then the fd must
 * stay open (a queued or in-flight operation names it; a reused number would point it at another socket) and the
 * channel must not be registered anywhere else (two rings would drive it at once). This class decides, under its
 * own lock since the drain and a close or a new registration may come from different threads:
 * <ul>
 *   <li>a close while {@link Phase#REGISTERED} or {@link Phase#DRAINING} leaves the fd to the drain (the operations
 *       in flight, and linked ones the kernel has not issued yet, still name its number); while
 *       {@link Phase#UNREGISTERED}, the caller closes it at once;</li>
 *   <li>native memory is freed exactly once, by whichever of the drain and the close comes last;</li>
 *   <li>work that must wait for the end of the registration (a new registration, the promise of a deregistration)
 *       runs when it has drained.</li>
 * </ul>
 */
final class RegistrationLifecycle {
    enum Phase {
        /** No registration has operations in flight. */
        UNREGISTERED,
        /** Registered with a ring and in use. */
        REGISTERED,
        /** Deregistered: operations of the registration are still in flight. */
        DRAINING
    }

    /** What {@link #close} leaves to its caller. */
    enum CloseAction {
        /** The drain will close the fd and free the memory: mark the fd closed and cancel what is in flight. */
        AT_DRAIN,
        /** Close the fd and free the memory now. */
        NOW,
        /** Closed before. */
        NOTHING
    }

    private Phase phase = Phase.UNREGISTERED;
    private boolean closed;
    private boolean fdCloseDeferred;
    private boolean freed;
    private List<Runnable> afterDrain;

    synchronized Phase phase() {
        return phase;
    }

    synchronized void registered() {
        if (phase != Phase.UNREGISTERED) {
            throw new IllegalStateException("registered while " + phase);
        }
        phase = Phase.REGISTERED;
    }

    /** The channel deregisters: returns false if it was not registered (nothing to cancel). */
    synchronized boolean deregistering() {
        if (phase != Phase.REGISTERED) {
            return false;
        }
        phase = Phase.DRAINING;
        return true;
    }

    /** The channel closes. */
    synchronized CloseAction close() {
        if (closed) {
            return CloseAction.NOTHING;
        }
        closed = true;
        switch (phase) {
            case REGISTERED:
            case DRAINING:
                fdCloseDeferred = true;
                return CloseAction.AT_DRAIN;
            default:
                freed = true;
                return CloseAction.NOW;
        }
    }

    /**
     * The ending registration has no operation left that names the fd: true if the channel is closed and its fd, whose
     * close was deferred, is the caller's to close now (and no longer the drain's).
     */
    synchronized boolean takeFdClose() {
        boolean take = fdCloseDeferred;
        fdCloseDeferred = false;
        return take;
    }

    /** What the end of a registration leaves to do; see {@link #drained}. */
    static final class Drained {
        final boolean closeFd;
        final boolean free;
        final List<Runnable> then;

        Drained(boolean closeFd, boolean free, List<Runnable> then) {
            this.closeFd = closeFd;
            this.free = free;
            this.then = then;
        }
    }

    /**
     * The registration's last operation has reported back. The caller closes the fd if {@code closeFd}, frees the
     * memory if {@code free}, then runs {@code then} in order.
     */
    synchronized Drained drained() {
        phase = Phase.UNREGISTERED;
        boolean closeFd = fdCloseDeferred;
        fdCloseDeferred = false;
        boolean free = closed && !freed;
        freed |= free;
        List<Runnable> then = afterDrain;
        afterDrain = null;
        return new Drained(closeFd, free, then);
    }

    /**
     * Runs {@code task} once no registration has operations in flight: now (returns true, the caller runs it) or
     * after the drain (returns false).
     */
    synchronized boolean whenUnregistered(Runnable task) {
        if (phase != Phase.DRAINING) {
            return true;
        }
        if (afterDrain == null) {
            afterDrain = new ArrayList<>(2);
        }
        afterDrain.add(task);
        return false;
    }

    @Override
    public synchronized String toString() {
        return phase + (closed ? ", closed" : "") + (fdCloseDeferred ? ", fd closed at drain" : "")
                + (freed ? ", freed" : "");
    }
}
