/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.getbuf.transport.internal.RegisteredBuffers;
import io.netty.channel.unix.Errors;
import io.netty.util.internal.PlatformDependent;

import java.io.IOException;
import java.util.ArrayDeque;

/**
 * The registered-buffer table of one event loop's ring ({@code IORING_REGISTER_BUFFERS2} with
 * {@code IORING_RSRC_REGISTER_SPARSE}): its first slots hold the loop's file chunks, buffers of one page-aligned slab
 * that file transfers read into with {@code IORING_OP_READ_FIXED} and send from. The table is registered on first
 * use (registered memory is pinned and, for unprivileged users, counted against {@code RLIMIT_MEMLOCK}).
 *
 * <p>Each chunk is lent to one transfer at a time and taken back when that transfer's operations have all reported
 * back. When every chunk is lent, a transfer waits in line ({@link #lend} returns null) and resumes when one comes
 * back: back-pressure, never an error. Event loop only.
 */
final class RegisteredBufferTable {
    /** One registered chunk: its slot in the table and its memory. */
    static final class Chunk {
        final int slot;
        final long address;
        final int size;

        Chunk(int slot, long address, int size) {
            this.slot = slot;
            this.address = address;
            this.size = size;
        }
    }

    private final int ringFd;
    private final int slots;
    private final int chunks;
    private final int chunkSize;
    private final ArrayDeque<Chunk> free = new ArrayDeque<>();
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    private long waits;
    private long slab;
    private long slabLength;
    private boolean registered;
    private IOException failure;
    /** User slots with nothing in them (after the chunks), and who waits for one. */
    private final ArrayDeque<Integer> emptySlots = new ArrayDeque<>();
    private final ArrayDeque<Runnable> slotWaiters = new ArrayDeque<>();
    /** Slots to empty at the next {@link #flushUpdates()}, ascending (consecutive ones go in one call). */
    private final java.util.TreeSet<Integer> toEmpty = new java.util.TreeSet<>();
    private long updateScratch;
    private long updateCalls;
    private IdleSlots idleSlots;

    RegisteredBufferTable(int ringFd, int slots, int chunks, int chunkSize) {
        if (chunks > slots) {
            throw new IllegalArgumentException("chunks (" + chunks + ") > slots (" + slots + ')');
        }
        this.ringFd = ringFd;
        this.slots = slots;
        this.chunks = chunks;
        this.chunkSize = chunkSize;
    }

    /** Registers the table and its chunks unless done (or failed) before; false when the kernel refused. */
    boolean ensureRegistered() {
        if (registered) {
            return true;
        }
        if (failure != null) {
            return false;
        }
        try {
            register();
            registered = true;
        } catch (IOException e) {
            failure = e;
        }
        return registered;
    }

    /** Why the table could not be registered, or null. */
    IOException failure() {
        return failure;
    }

    private void register() throws IOException {
        int res = RegisteredBuffers.registerSparse(ringFd, slots);
        if (res < 0) {
            throw Errors.newIOException("io_uring_register(BUFFERS2, sparse, " + slots + " slots)", res);
        }
        slabLength = (long) chunks * chunkSize;
        long addr = Native.mmapAnonymous(slabLength);
        if (addr < 0) {
            RegisteredBuffers.unregister(ringFd);
            throw Errors.newIOException("mmap(" + slabLength + " bytes of file chunks)", (int) addr);
        }
        slab = addr;
        long scratch = PlatformDependent.allocateMemory((long) chunks * RegisteredBuffers.SIZEOF_IOVEC
                + RegisteredBuffers.SIZEOF_UPDATE);
        try {
            long iovecs = scratch + RegisteredBuffers.SIZEOF_UPDATE;
            for (int i = 0; i < chunks; i++) {
                PlatformDependent.putLong(iovecs + (long) i * RegisteredBuffers.SIZEOF_IOVEC, slab + (long) i * chunkSize);
                PlatformDependent.putLong(iovecs + (long) i * RegisteredBuffers.SIZEOF_IOVEC + 8, chunkSize);
            }
            res = RegisteredBuffers.update(ringFd, 0, iovecs, chunks, scratch);
        } finally {
            PlatformDependent.freeMemory(scratch);
        }
        if (res < 0) {
            RegisteredBuffers.unregister(ringFd);
            Native.munmap(slab, slabLength);
            slab = 0;
            throw Errors.newIOException("io_uring_register(BUFFERS_UPDATE, " + chunks + " x " + chunkSize
                    + " bytes)", res);
        }
        for (int i = 0; i < chunks; i++) {
            free.add(new Chunk(i, slab + (long) i * chunkSize, chunkSize));
        }
        for (int s = chunks; s < slots; s++) {
            emptySlots.add(s);
        }
    }

    /**
     * An empty user slot (registered memory or a GET_BUF buffer may be put there), or -1 when none is: then
     * {@code whenFree} runs once one is (slots come back in batches, see {@link #flushUpdates()}).
     */
    int takeEmptySlot(Runnable whenFree) {
        Integer s = emptySlots.pollFirst();
        if (s != null) {
            return s;
        }
        if (whenFree != null && !slotWaiters.contains(whenFree)) {
            slotWaiters.add(whenFree);
        }
        return -1;
    }

    /**
     * As {@link #takeEmptySlot}, for what lends slots only briefly (file pages): with no slot empty, a slot that only
     * keeps an idle registered buffer for reuse is emptied for it (at the next {@link #flushUpdates()}), so that
     * cached buffers never starve file transfers and reads.
     */
    int takeEmptySlotOrReclaim(Runnable whenFree) {
        int slot = takeEmptySlot(whenFree);
        if (slot < 0 && toEmpty.isEmpty() && idleSlots != null) {
            idleSlots.emptyOne();
        }
        return slot;
    }

    /** Who keeps idle registered buffers in slots, and gives one up on request. */
    interface IdleSlots {
        /** Queues one slot that holds an idle buffer to be emptied ({@link #emptyLater}); false if none does. */
        boolean emptyOne();
    }

    void idleSlots(IdleSlots owner) {
        idleSlots = owner;
    }

    void cancelSlotWait(Runnable whenFree) {
        slotWaiters.remove(whenFree);
    }

    /** Takes back a slot taken with {@link #takeEmptySlot} into which nothing was put. */
    void returnEmptySlot(int slot) {
        emptySlots.addFirst(slot);
        wakeSlotWaiters();
    }

    /** Empty user slots (tests: all of them once nothing holds one). */
    int emptySlots() {
        return emptySlots.size() + toEmpty.size();
    }

    int userSlots() {
        return registered ? slots - chunks : 0;
    }

    private void wakeSlotWaiters() {
        Runnable next;
        // a waiter may not take one (its transfer ended meanwhile): go on until the slots are taken
        while (!emptySlots.isEmpty() && (next = slotWaiters.pollFirst()) != null) {
            next.run();
        }
    }

    /** The first slot after the file chunks: slots from here up to {@link #slots()} hold users' buffers. */
    int firstUserSlot() {
        return chunks;
    }

    int slots() {
        return slots;
    }

    /**
     * Puts {@code length} bytes at {@code address} into {@code slot} now (what was there before is replaced): the
     * next SQE may name it. Returns 0 or {@code -errno}.
     */
    int put(int slot, long address, int length) {
        toEmpty.remove(slot);
        return update(slot, address, length, 1);
    }

    /**
     * Empties {@code slot} at the next {@link #flushUpdates()} and then makes it an empty slot again: nothing may
     * name it from now on.
     */
    void emptyLater(int slot) {
        toEmpty.add(slot);
    }

    /**
     * Empties the slots queued by {@link #emptyLater}, one {@code IORING_REGISTER_BUFFERS_UPDATE} per run of
     * consecutive slots; the event loop calls it once per iteration, so that releases do not cost a system call each.
     */
    void flushUpdates() {
        while (!toEmpty.isEmpty()) {
            int first = toEmpty.pollFirst();
            int n = 1;
            while (n < MAX_UPDATE_RUN && toEmpty.remove(first + n)) {
                n++;
            }
            int res = update(first, 0, 0, n);
            if (res < 0) {
                // an empty iovec cannot be refused on a live table: only a torn-down ring gets here
                failure = Errors.newIOException("io_uring_register(BUFFERS_UPDATE, empty " + n + " slots)", res);
                continue;
            }
            for (int i = 0; i < n; i++) {
                emptySlots.add(first + i);
            }
        }
        wakeSlotWaiters();
    }

    /** How many update calls the table made (tests: releases are batched). */
    long updateCalls() {
        return updateCalls;
    }

    private static final int MAX_UPDATE_RUN = 64;

    private int update(int slot, long address, int length, int count) {
        if (updateScratch == 0) {
            updateScratch = PlatformDependent.allocateMemory(RegisteredBuffers.SIZEOF_UPDATE
                    + (long) MAX_UPDATE_RUN * RegisteredBuffers.SIZEOF_IOVEC);
        }
        long iovecs = updateScratch + RegisteredBuffers.SIZEOF_UPDATE;
        for (int i = 0; i < count; i++) {
            PlatformDependent.putLong(iovecs + (long) i * RegisteredBuffers.SIZEOF_IOVEC, address);
            PlatformDependent.putLong(iovecs + (long) i * RegisteredBuffers.SIZEOF_IOVEC + 8, length);
        }
        updateCalls++;
        return RegisteredBuffers.update(ringFd, slot, iovecs, count, updateScratch);
    }

    int chunkSize() {
        return chunkSize;
    }

    /** A chunk, or null when all are lent: {@code whenFree} then runs once one comes back. */
    Chunk lend(Runnable whenFree) {
        Chunk c = free.pollLast();
        if (c == null) {
            if (!waiting.contains(whenFree)) {
                waiting.add(whenFree);
            }
            waits++;
        }
        return c;
    }

    /** Takes back a chunk no operation uses any more, and wakes transfers waiting for one until it is taken. */
    void giveBack(Chunk c) {
        free.addLast(c);
        // a waiter may no longer want one (its transfer ended meanwhile): go on until a chunk is taken
        Runnable next;
        while (!free.isEmpty() && (next = waiting.pollFirst()) != null) {
            next.run();
        }
    }

    /** How many times a transfer had to wait (tests). */
    long waits() {
        return waits;
    }

    void cancelWait(Runnable whenFree) {
        waiting.remove(whenFree);
    }

    /** Chunks not lent (tests: back to the total once every transfer has ended). */
    int freeChunks() {
        return free.size();
    }

    int chunks() {
        return registered ? chunks : 0;
    }

    /**
     * Unregisters the table and unmaps the chunks; call it while the ring fd is still open and only when no
     * operation is in flight (the kernel would still read or write the chunks).
     */
    void close() {
        if (updateScratch != 0) {
            PlatformDependent.freeMemory(updateScratch);
            updateScratch = 0;
        }
        toEmpty.clear();
        slotWaiters.clear();
        emptySlots.clear();
        if (!registered) {
            return;
        }
        registered = false;
        RegisteredBuffers.unregister(ringFd);
        Native.munmap(slab, slabLength);
        slab = 0;
        free.clear();
    }
}
