/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.unix.Errors;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.internal.PlatformDependent;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.RejectedExecutionException;

/**
 * Hands out {@link RegisteredByteBuf}s from the user slots of one loop's {@link RegisteredBufferTable} (the slots after
 * the file chunks). Each slot holds one region of direct memory; a released buffer's region stays registered and is
 * reused by the next allocation it fits (no system call), up to {@code cacheBytes} of idle regions; beyond that the
 * slot is emptied at the loop's next batch of table updates. When every slot is in use an allocation waits for one
 * (back-pressure): its future completes when a buffer is released. Event loop only, except {@link #allocate} and
 * {@link #giveBack}, which hand over to the loop.
 */
final class RegisteredByteBufAllocator implements RegisteredBufferTable.IdleSlots {
    /** The kernel refuses registered buffers above 1 GiB. */
    static final int MAX_CAPACITY = 1 << 30;

    /** One slot's memory. */
    static final class Region {
        final int slot;
        final ByteBuffer memory;
        final long address;

        Region(int slot, ByteBuffer memory) {
            this.slot = slot;
            this.memory = memory;
            this.address = PlatformDependent.directBufferAddress(memory);
        }

        int size() {
            return memory.capacity();
        }

        /** The first {@code capacity} bytes, as a buffer of their own. */
        ByteBuffer window(int capacity) {
            ByteBuffer b = memory.duplicate();
            b.clear().limit(capacity);
            return b;
        }
    }

    private static final class Request {
        final int capacity;
        final Promise<ByteBuf> promise;

        Request(int capacity, Promise<ByteBuf> promise) {
            this.capacity = capacity;
            this.promise = promise;
        }
    }

    private final RegisteredBufferTable table;
    private final EventExecutor loop;
    private final long cacheBytes;
    private final ArrayDeque<Region> idle = new ArrayDeque<>();
    private final ArrayDeque<Request> waiting = new ArrayDeque<>();
    private long idleBytes;
    private int lent;
    private long waits;
    private final Runnable serveWaiting = this::serveWaiting;
    private boolean closed;

    RegisteredByteBufAllocator(RegisteredBufferTable table, EventExecutor loop, long cacheBytes) {
        this.table = table;
        this.loop = loop;
        this.cacheBytes = cacheBytes;
        table.idleSlots(this);
    }

    /** A registered buffer of {@code capacity} bytes, from any thread; waits while every slot is in use. */
    Future<ByteBuf> allocate(int capacity) {
        if (capacity <= 0 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("capacity " + capacity + " (expected 1.." + MAX_CAPACITY + ')');
        }
        Promise<ByteBuf> promise = loop.newPromise();
        if (loop.inEventLoop()) {
            allocate0(new Request(capacity, promise));
        } else {
            try {
                loop.execute(() -> allocate0(new Request(capacity, promise)));
            } catch (RejectedExecutionException e) {
                promise.setFailure(new IllegalStateException("the event loop is shut down", e));
            }
        }
        return promise;
    }

    private void allocate0(Request r) {
        if (closed) {
            r.promise.tryFailure(new IllegalStateException("the event loop is shut down"));
            return;
        }
        if (!table.ensureRegistered()) {
            r.promise.tryFailure(new IllegalStateException("no registered-buffer table on this ring",
                    table.failure()));
            return;
        }
        if (!waiting.isEmpty() || !serve(r)) {
            waits++;
            waiting.add(r);
        }
    }

    /** Serves {@code r} if a slot can be had now; false when every slot is lent. */
    private boolean serve(Request r) {
        if (r.promise.isDone()) {
            return true; // cancelled while waiting
        }
        Region region = takeIdle(r.capacity);
        if (region == null) {
            int slot = table.takeEmptySlot(serveWaiting);
            boolean held = false; // the slot still holds a victim's memory
            if (slot < 0) {
                Region victim = idle.pollFirst(); // too small for r: its slot takes new memory
                if (victim == null) {
                    return false; // serveWaiting runs when a slot is emptied or a buffer comes back
                }
                idleBytes -= victim.size();
                slot = victim.slot;
                held = true;
            }
            ByteBuffer memory;
            try {
                memory = ByteBuffer.allocateDirect(r.capacity);
            } catch (OutOfMemoryError e) {
                giveUpSlot(slot, held);
                r.promise.tryFailure(e);
                return true;
            }
            region = new Region(slot, memory);
            int res = table.put(slot, region.address, r.capacity);
            if (res < 0) {
                giveUpSlot(slot, held);
                r.promise.tryFailure(Errors.newIOException("io_uring_register(BUFFERS_UPDATE, slot " + slot + ", "
                        + r.capacity + " bytes)", res));
                return true;
            }
        }
        lent++;
        RegisteredByteBuf buf = new RegisteredByteBuf(this, region, r.capacity);
        if (!r.promise.trySuccess(buf)) {
            buf.release(); // cancelled meanwhile
        }
        return true;
    }

    private void giveUpSlot(int slot, boolean held) {
        if (held) {
            table.emptyLater(slot);
        } else {
            table.returnEmptySlot(slot);
        }
    }

    private void serveWaiting() {
        if (closed) {
            return;
        }
        for (Iterator<Request> it = waiting.iterator(); it.hasNext(); ) {
            Request r = it.next();
            boolean served;
            try {
                FaultInjector faults = table.faults;
                if (faults != null) {
                    faults.maybeFailWake("a waiting registered-buffer allocation");
                }
                served = serve(r);
            } catch (Throwable t) {
                // the request's failure is its own: whoever released the buffer that woke it (another channel's
                // completion, the loop's batch of slot updates) goes on
                r.promise.tryFailure(t);
                served = true;
            }
            if (!served) {
                break;
            }
            it.remove();
        }
    }

    /** The smallest idle region that holds {@code capacity} bytes without wasting more than half of it. */
    private Region takeIdle(int capacity) {
        Region best = null;
        for (Region r : idle) {
            if (r.size() >= capacity && r.size() / 2 <= capacity && (best == null || r.size() < best.size())) {
                best = r;
            }
        }
        if (best != null) {
            idle.remove(best);
            idleBytes -= best.size();
        }
        return best;
    }

    /** A buffer's refcount reached 0: its region is free again (handed to the loop when released elsewhere). */
    void giveBack(Region region) {
        if (loop.inEventLoop()) {
            giveBack0(region);
            return;
        }
        try {
            loop.execute(() -> giveBack0(region));
        } catch (RejectedExecutionException e) {
            // the loop is gone and with it the ring: nothing names the memory any more, the GC frees it
        }
    }

    private void giveBack0(Region region) {
        lent--;
        if (closed) {
            return;
        }
        idle.addFirst(region);
        idleBytes += region.size();
        serveWaiting();
        while (idleBytes > cacheBytes && !idle.isEmpty()) {
            Region old = idle.pollLast();
            idleBytes -= old.size();
            table.emptyLater(old.slot);
        }
    }

    RegisteredBufferTable table() {
        return table;
    }

    /** A file transfer or read waits for a slot: the least recently used idle region gives its slot up. */
    @Override
    public boolean emptyOne() {
        Region old = idle.pollLast();
        if (old == null) {
            return false;
        }
        idleBytes -= old.size();
        table.emptyLater(old.slot);
        return true;
    }

    /** Buffers allocated and not yet released (tests: 0 once users released theirs). */
    int lent() {
        return lent;
    }

    /** Regions kept registered for reuse. */
    int idleRegions() {
        return idle.size();
    }

    /** How many allocations had to wait for a slot. */
    long waits() {
        return waits;
    }

    /** The loop is ending: waiting allocations fail, and memory is left to the GC as buffers come back. */
    void close() {
        closed = true;
        IllegalStateException cause = new IllegalStateException("the event loop is shut down");
        for (Request r : waiting) {
            r.promise.tryFailure(cause);
        }
        waiting.clear();
        table.cancelSlotWait(serveWaiting);
        idle.clear();
        idleBytes = 0;
    }
}
