/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.RegisteredBuffers;
import io.netty.channel.unix.Errors;
import io.netty.util.internal.PlatformDependent;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.BitSet;

/**
 * The registered-buffer table of one event loop's ring ({@code IORING_REGISTER_BUFFERS2} with
 * {@code IORING_RSRC_REGISTER_SPARSE}), registered on first use. Its first slots belong to the loop's
 * {@link FileChunks}; the slots after them ("user slots") are empty until something puts a buffer there: a user's
 * registered buffer, the file pages of a {@link GetBufFiles#read}, or of a GET_BUF file transfer.
 *
 * <p>Users' buffers and reads take any empty slot and wait for one when none is (back-pressure: what holds them is
 * the application). File transfers hold slots only while their sends are in flight, which a peer that stops reading
 * makes forever: so transfers together hold at most half of the user slots ({@link #transferShare}), and a transfer
 * that finds none for it falls back to another strategy instead of waiting. The other half always serves users.
 *
 * <p>Slots are emptied in batches: {@link #emptyLater} queues a slot, and the loop empties what is queued once per
 * iteration ({@link #flushUpdates}), consecutive slots in one {@code IORING_REGISTER_BUFFERS_UPDATE}. Event loop only.
 */
final class RegisteredBufferTable {
    private static final io.netty.util.internal.logging.InternalLogger logger =
            io.netty.util.internal.logging.InternalLoggerFactory.getInstance(RegisteredBufferTable.class);
    private static final int MAX_UPDATE_RUN = 64;

    private final int ringFd;
    private final int slots;
    private final int firstUserSlot;
    private final int transferCap;
    private boolean registered;
    private IOException failure;
    /** User slots with nothing in them, and who waits for one. */
    private final ArrayDeque<Integer> emptySlots = new ArrayDeque<>();
    private final ArrayDeque<Runnable> slotWaiters = new ArrayDeque<>();
    /** Slots to empty at the next {@link #flushUpdates()} (consecutive ones go in one call); no allocation per slot. */
    private final BitSet toEmpty = new BitSet();
    private int toEmptyCount;
    /** User slots a file transfer holds. */
    private final BitSet transferSlots = new BitSet();
    private int transferHeld;
    private long updateScratch;
    private long updateCalls;
    private volatile IdleSlots idleSlots; // set from the thread that first allocates a registered buffer
    FaultInjector faults;

    /** {@code reserved}: the first slots, not the table's to hand out (the loop's file chunks). */
    RegisteredBufferTable(int ringFd, int slots, int reserved) {
        if (reserved > slots) {
            throw new IllegalArgumentException("reserved slots (" + reserved + ") > slots (" + slots + ')');
        }
        this.ringFd = ringFd;
        this.slots = slots;
        this.firstUserSlot = reserved;
        this.transferCap = Math.max(1, (slots - reserved) / 2);
    }

    /** Registers the (empty) table unless done or failed before; false when the kernel refused. */
    boolean ensureRegistered() {
        if (registered) {
            return true;
        }
        if (failure != null) {
            return false;
        }
        if (!GetBuf.isRegisteredBuffersSupported()) {
            failure = new IOException("this kernel has no sparse registered-buffer tables (IORING_REGISTER_BUFFERS2"
                    + " with IORING_RSRC_REGISTER_SPARSE, 5.19)");
            return false;
        }
        int res = RegisteredBuffers.registerSparse(ringFd, slots);
        if (res < 0) {
            failure = Errors.newIOException("io_uring_register(BUFFERS2, sparse, " + slots + " slots)", res);
            return false;
        }
        registered = true;
        for (int s = firstUserSlot; s < slots; s++) {
            emptySlots.add(s);
        }
        return true;
    }

    /** Why the table could not be registered, or null. */
    IOException failure() {
        return failure;
    }

    boolean isRegistered() {
        return registered;
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
        awaitSlot(whenFree);
        return -1;
    }

    /**
     * As {@link #takeEmptySlot}, for what lends slots only briefly (file pages): with no slot empty, a slot that only
     * keeps an idle registered buffer for reuse is emptied for it (at the next {@link #flushUpdates()}), so that
     * cached buffers never starve file reads.
     */
    int takeEmptySlotOrReclaim(Runnable whenFree) {
        int slot = takeEmptySlot(whenFree);
        if (slot < 0) {
            reclaimIdle();
        }
        return slot;
    }

    /** Has a slot that only keeps an idle registered buffer emptied, unless one is being emptied already. */
    private boolean reclaimIdle() {
        return toEmptyCount > 0 || idleSlots != null && idleSlots.emptyOne();
    }

    /**
     * How many slots a file transfer may take now: half of what transfers together may still hold (at least one
     * while any is), no more than are empty. 0: none for it; see {@link #awaitTransferSlot}.
     */
    int transferShare() {
        int room = transferCap - transferHeld;
        if (room <= 0) {
            return 0;
        }
        return Math.min(emptySlots.size(), Math.max(1, room / 2));
    }

    /** Takes an empty slot for a file transfer; the caller made sure of its {@link #transferShare}. */
    int takeTransferSlot() {
        int s = emptySlots.removeFirst();
        transferSlots.set(s);
        transferHeld++;
        return s;
    }

    /**
     * A transfer found no slot for it ({@link #transferShare} 0): true if one will be there within this loop
     * iteration (slots are being emptied, or an idle registered buffer gives its slot up), and {@code whenFree} then
     * runs; false when it could wait for good (peers that do not read hold the transfers' slots): the caller falls
     * back to a strategy that needs no slot.
     */
    boolean awaitTransferSlot(Runnable whenFree) {
        if (transferHeld >= transferCap || !reclaimIdle()) {
            return false;
        }
        awaitSlot(whenFree);
        return true;
    }

    private void awaitSlot(Runnable whenFree) {
        if (whenFree != null && !slotWaiters.contains(whenFree)) {
            slotWaiters.add(whenFree);
        }
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

    /** Takes back a slot taken with {@link #takeEmptySlot} or {@link #takeTransferSlot} into which nothing was put. */
    void returnEmptySlot(int slot) {
        released(slot);
        emptySlots.addFirst(slot);
        wakeSlotWaiters();
    }

    private void released(int slot) {
        if (transferSlots.get(slot)) {
            transferSlots.clear(slot);
            transferHeld--;
        }
    }

    /** Empty user slots (tests: all of them once nothing holds one). */
    int emptySlots() {
        return emptySlots.size() + toEmptyCount;
    }

    int userSlots() {
        return registered ? slots - firstUserSlot : 0;
    }

    /** Slots file transfers hold now (tests). */
    int transferSlots() {
        return transferHeld;
    }

    private void wakeSlotWaiters() {
        Runnable next;
        // a waiter may not take one (its transfer ended meanwhile): go on until the slots are taken
        while (!emptySlots.isEmpty() && (next = slotWaiters.pollFirst()) != null) {
            try {
                next.run();
            } catch (Throwable t) {
                // the waiter's failure is its own: not the releasing channel's, nor the loop's (this runs inside
                // IoHandler.run too); waiters report their own failures, this is the last line
                logger.warn("a waiter for a registered-buffer slot failed", t);
            }
        }
    }

    /** The first slot after the file chunks: slots from here up to {@link #slots()} hold users' buffers. */
    int firstUserSlot() {
        return firstUserSlot;
    }

    int slots() {
        return slots;
    }

    /**
     * Puts {@code length} bytes at {@code address} into {@code slot} now (what was there before is replaced): the
     * next SQE may name it. Returns 0 or {@code -errno}.
     */
    int put(int slot, long address, int length) {
        if (toEmpty.get(slot)) {
            toEmpty.clear(slot);
            toEmptyCount--;
        }
        int res = update(slot, address, length, 1);
        return res == 1 ? 0 : res < 0 ? res : -io.getbuf.transport.internal.Native.ERRNO_ENOMEM;
    }

    /**
     * Puts the {@code count} iovecs at {@code iovecs} into the slots from {@code first} on, all of them or none: a
     * partial update (the kernel stops at the first buffer it cannot pin, as under {@code RLIMIT_MEMLOCK}) is undone
     * and reported as the error it stopped at. Returns 0 or {@code -errno}.
     */
    int putAll(int first, long iovecs, int count) {
        int done = 0;
        int res = 0;
        while (done < count) {
            res = update(first + done, iovecs + (long) done * RegisteredBuffers.SIZEOF_IOVEC, count - done);
            if (res <= 0) {
                break;
            }
            done += res;
        }
        if (done == count) {
            return 0;
        }
        // what the kernel did take goes again: nothing may name half a set of chunks
        for (int s = first; s < first + done; s++) {
            update(s, 0, 0, 1);
        }
        return res < 0 ? res : -io.getbuf.transport.internal.Native.ERRNO_ENOMEM;
    }

    /**
     * Empties {@code slot} at the next {@link #flushUpdates()} and then makes it an empty slot again: nothing may
     * name it from now on.
     */
    void emptyLater(int slot) {
        released(slot);
        if (!toEmpty.get(slot)) {
            toEmpty.set(slot);
            toEmptyCount++;
        }
    }

    /**
     * Empties the slots queued by {@link #emptyLater}, one {@code IORING_REGISTER_BUFFERS_UPDATE} per run of
     * consecutive slots; the event loop calls it once per iteration, so that releases do not cost a system call each.
     */
    void flushUpdates() {
        while (toEmptyCount > 0) {
            int first = toEmpty.nextSetBit(0);
            int n = 1;
            while (n < MAX_UPDATE_RUN && toEmpty.get(first + n)) {
                n++;
            }
            int res = update(first, 0, 0, n);
            if (res <= 0) {
                // an empty iovec cannot be refused on a live table: only a torn-down ring gets here
                failure = Errors.newIOException("io_uring_register(BUFFERS_UPDATE, empty " + n + " slots)", res);
                toEmpty.clear();
                toEmptyCount = 0;
                break;
            }
            for (int i = 0; i < res; i++) { // a partial update: the rest goes in the next round
                toEmpty.clear(first + i);
                toEmptyCount--;
                emptySlots.add(first + i);
            }
        }
        wakeSlotWaiters();
    }

    /** How many update calls the table made (tests: releases are batched). */
    long updateCalls() {
        return updateCalls;
    }

    /** One {@code IORING_REGISTER_BUFFERS_UPDATE}: returns how many slots it updated, or -errno. */
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
        return update(slot, iovecs, count);
    }

    private int update(int slot, long iovecs, int count) {
        int n = Math.min(count, MAX_UPDATE_RUN);
        if (faults != null) {
            n = faults.bufferUpdateCount(n);
            if (n == 0) {
                return -io.getbuf.transport.internal.Native.ERRNO_ENOMEM; // as the kernel answers at the first slot
            }
        }
        updateCalls++;
        if (updateScratch == 0) {
            updateScratch = PlatformDependent.allocateMemory(RegisteredBuffers.SIZEOF_UPDATE
                    + (long) MAX_UPDATE_RUN * RegisteredBuffers.SIZEOF_IOVEC);
        }
        return RegisteredBuffers.update(ringFd, slot, iovecs, n, updateScratch);
    }

    /**
     * Unregisters the table; call it while the ring fd is still open and only when no operation is in flight (the
     * kernel would still read or write what the slots name).
     */
    void close() {
        if (updateScratch != 0) {
            PlatformDependent.freeMemory(updateScratch);
            updateScratch = 0;
        }
        toEmpty.clear();
        toEmptyCount = 0;
        slotWaiters.clear();
        emptySlots.clear();
        if (!registered) {
            return;
        }
        registered = false;
        RegisteredBuffers.unregister(ringFd);
    }
}
