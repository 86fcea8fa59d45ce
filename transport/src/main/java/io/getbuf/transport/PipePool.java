/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.netty.util.internal.PlatformDependent;

import java.util.ArrayDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The pipes of one event loop's {@link SpliceStrategy}: created on demand up to a cap, sized with
 * {@code F_SETPIPE_SZ}, lent to one transfer at a time and taken back only empty (a pipe with bytes left in it is
 * closed instead). When every pipe is lent, {@link #lend} has none ({@link #exhausted} counts it): a transfer then
 * goes on without one, since the pipes may be held by transfers whose peers never read. The most recently used pipe
 * is lent first; pipes idle for {@link #IDLE_NANOS} are closed. Event loop only.
 */
final class PipePool {
    /** Idle pipes are closed after this long without use: a quiet loop holds no descriptors for them. */
    static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** A pipe: read end, write end, capacity. */
    static final class Pipe {
        final int readFd;
        final int writeFd;
        final int size;
        long idleSince;

        Pipe(int readFd, int writeFd, int size) {
            this.readFd = readFd;
            this.writeFd = writeFd;
            this.size = size;
        }

        void close() {
            Native.close(readFd);
            Native.close(writeFd);
        }
    }

    private final int maxPipes;
    private final int pipeSize;
    private final ScheduledExecutorService loop; // runs the reaper of idle pipes; null: pipes stay pooled
    private final Runnable reap = this::reapIdle;
    private boolean reapScheduled;
    private final ArrayDeque<Pipe> idle = new ArrayDeque<>();
    private long exhausted;
    private int open;
    private boolean closed;

    PipePool(int maxPipes, int pipeSize, ScheduledExecutorService loop) {
        this.maxPipes = maxPipes;
        this.pipeSize = pipeSize;
        this.loop = loop;
    }

    /** A pipe, or null when all {@code maxPipes} are lent. Throws when the kernel refuses a new pipe (fd limits). */
    Pipe lend() throws java.io.IOException {
        Pipe p = idle.pollLast();
        if (p != null) {
            return p;
        }
        if (open >= maxPipes) {
            exhausted++;
            return null;
        }
        p = create();
        open++;
        return p;
    }

    private Pipe create() throws java.io.IOException {
        long fds = PlatformDependent.allocateMemory(2 * Integer.BYTES);
        try {
            int res = Native.pipe(fds);
            if (res < 0) {
                throw io.netty.channel.unix.Errors.newIOException("pipe2", res);
            }
            int readFd = PlatformDependent.getInt(fds);
            int writeFd = PlatformDependent.getInt(fds + Integer.BYTES);
            int size = Native.setPipeSize(writeFd, pipeSize);
            if (size < 0) {
                // refused (pipe-max-size, pipe-user-pages limits): keep the default capacity
                size = 64 * 1024;
            }
            return new Pipe(readFd, writeFd, size);
        } finally {
            PlatformDependent.freeMemory(fds);
        }
    }

    /** Takes back a pipe; {@code empty}: nothing is left in it (else it is closed). */
    void giveBack(Pipe p, boolean empty) {
        if (empty && !closed) {
            p.idleSince = System.nanoTime();
            idle.addLast(p);
            scheduleReap(IDLE_NANOS);
        } else {
            p.close();
            open--;
        }
    }

    private void scheduleReap(long delayNanos) {
        if (!reapScheduled && loop != null && !closed) {
            reapScheduled = true;
            loop.schedule(reap, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Closes the pipes idle for {@link #IDLE_NANOS}; comes back for the next one to expire. */
    private void reapIdle() {
        reapScheduled = false;
        long now = System.nanoTime();
        Pipe p;
        while ((p = idle.peekFirst()) != null && now - p.idleSince >= IDLE_NANOS) {
            idle.pollFirst();
            p.close();
            open--;
        }
        if (p != null) {
            scheduleReap(IDLE_NANOS - (now - p.idleSince));
        }
    }

    /** How many times a transfer found every pipe lent (tests). */
    long exhausted() {
        return exhausted;
    }

    int maxPipes() {
        return maxPipes;
    }

    /** Pipes lent to transfers now (tests: 0 once every transfer has ended). */
    int lentPipes() {
        return open - idle.size();
    }

    /** Pipes open now (lent or idle), for tests. */
    int openPipes() {
        return open;
    }

    void close() {
        closed = true;
        Pipe p;
        while ((p = idle.pollFirst()) != null) {
            p.close();
            open--;
        }
    }
}
