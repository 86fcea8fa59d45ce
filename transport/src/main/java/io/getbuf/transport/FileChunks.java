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
 * The registered chunks of one event loop that {@link GetBufFileStrategy#READ_FIXED} transfers read file data into
 * and send from: buffers of one page-aligned slab, in the first slots of the loop's {@link RegisteredBufferTable},
 * registered on first use (all or none: pinned memory is counted against {@code RLIMIT_MEMLOCK} for unprivileged
 * users, and the kernel may take only some of them).
 *
 * <p>A transfer borrows chunks for its whole life, at most half of those free ({@link #share}), so that a transfer
 * whose peer stops reading cannot hold them all; a transfer that finds none free falls back to another strategy.
 * Event loop only.
 */
final class FileChunks {
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

    private final RegisteredBufferTable table;
    private final int count;
    private final int size;
    private final ArrayDeque<Chunk> free = new ArrayDeque<>();
    private long slab;
    private long slabLength;
    private boolean registered;
    private IOException failure;

    FileChunks(RegisteredBufferTable table, int count, int size) {
        this.table = table;
        this.count = count;
        this.size = size;
    }

    /** Registers the chunks unless done (or failed) before; false when the kernel refused (see {@link #failure}). */
    boolean ensureRegistered() {
        if (registered) {
            return true;
        }
        if (failure != null) {
            return false;
        }
        if (!table.ensureRegistered()) {
            failure = table.failure();
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

    /** Why the chunks could not be registered, or null. */
    IOException failure() {
        return failure;
    }

    private void register() throws IOException {
        slabLength = (long) count * size;
        long addr = Native.mmapAnonymous(slabLength);
        if (addr < 0) {
            throw Errors.newIOException("mmap(" + slabLength + " bytes of file chunks)", (int) addr);
        }
        long iovecs = PlatformDependent.allocateMemory((long) count * RegisteredBuffers.SIZEOF_IOVEC);
        int res;
        try {
            for (int i = 0; i < count; i++) {
                PlatformDependent.putLong(iovecs + (long) i * RegisteredBuffers.SIZEOF_IOVEC, addr + (long) i * size);
                PlatformDependent.putLong(iovecs + (long) i * RegisteredBuffers.SIZEOF_IOVEC + 8, size);
            }
            res = table.putAll(0, iovecs, count);
        } finally {
            PlatformDependent.freeMemory(iovecs);
        }
        if (res < 0) {
            Native.munmap(addr, slabLength);
            throw Errors.newIOException("io_uring_register(BUFFERS_UPDATE, " + count + " x " + size
                    + " bytes of file chunks; RLIMIT_MEMLOCK?)", res);
        }
        slab = addr;
        for (int i = 0; i < count; i++) {
            free.add(new Chunk(i, slab + (long) i * size, size));
        }
    }

    int chunkSize() {
        return size;
    }

    /**
     * How many chunks a transfer may take now: half of those free, at least one while any is. 0: none for it, and
     * none will be until a transfer ends (which a peer that does not read may never let happen): fall back.
     */
    int share() {
        return free.isEmpty() ? 0 : Math.max(1, free.size() / 2);
    }

    /** A free chunk; the caller made sure of its {@link #share}. */
    Chunk lend() {
        return free.removeLast();
    }

    /** Takes back a chunk no operation uses any more. */
    void giveBack(Chunk c) {
        free.addLast(c);
    }

    /** Chunks not lent (tests: back to the total once every transfer has ended). */
    int freeChunks() {
        return free.size();
    }

    int chunks() {
        return registered ? count : 0;
    }

    /** Unmaps the chunks; call it only when no operation is in flight and after the table is gone. */
    void close() {
        if (!registered) {
            return;
        }
        registered = false;
        Native.munmap(slab, slabLength);
        slab = 0;
        free.clear();
    }
}
