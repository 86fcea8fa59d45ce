/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.FileNative;
import io.getbuf.transport.internal.Native;
import io.netty.channel.unix.Errors;
import io.netty.util.concurrent.EventExecutor;

import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The read-only mappings through which Java reads the pages {@link GetBufFiles#read} borrowed with GET_BUF, for one
 * event loop. A mmap and a munmap per read cost two syscalls and, in a multi-threaded JVM, a TLB shootdown each; so
 * reads of the same file share cached windows: {@link #WINDOW}-sized, {@link #WINDOW}-aligned mappings of a regular
 * file, found by the file's identity (st_dev and st_ino from fstat of the read's descriptor) and the window's index.
 * A window is address space, not memory: the pages are the page cache's, lent or not. A range that crosses a window
 * boundary, or a file that is not a regular file, gets a mapping of its own, as before the cache.
 *
 * <p>Ownership: each {@link Mapping} is refcounted and unmapped exactly once, by whoever drops the last reference.
 * The cache holds one reference to each window it keeps; each {@link LentFileByteBuf} in a mapping holds one until
 * it is released, or, when NIO views of it were handed out, until the garbage collector finds none of them left (a
 * {@link java.lang.ref.Cleaner} drops it then, on its own thread: it touches only the mapping's atomic count, never
 * this cache). Only the loop adds references, and only to a window it still holds, so a count never rises from 0.
 *
 * <p>Bounded: a cached window keeps its file referenced (a deleted file's space stays allocated while a window of it
 * is mapped), so the cache keeps at most {@link #MAX_WINDOWS} windows (least recently used go first), drops a window
 * that was idle (no buffer in it) at two sweeps in a row, a sweep every {@link #SWEEP_MILLIS} ms while it holds any,
 * and drops them all when the loop ends. A dropped window that buffers still use stays mapped until the last of them
 * goes.
 *
 * <p>What a window shows: the file's page cache, as a fresh mapping would. The key is the inode, so a file replaced
 * by a rename (a new inode) gets new windows; one rewritten in place shows the new bytes in a cached window as in a
 * new one. A live inode's (st_dev, st_ino) names no other file, and a mapped window keeps its inode alive, so a
 * number cannot be reused for another file while a window has it. Event loop only, except {@link Mapping#release}.
 */
final class FileMappings {
    /** The address space one cached window maps (2 MiB: a large read still fits, and a page table maps it). */
    static final long WINDOW = 2L << 20;
    /** The most windows the cache keeps (address space: 128 MiB per loop). */
    static final int MAX_WINDOWS = 64;
    static final long SWEEP_MILLIS = 1000;
    /** mmap offsets are multiples of the page size (the native library is built for x86_64 only: 4 KiB pages). */
    private static final long PAGE_MASK = 4096 - 1;

    /** A read-only shared mapping of a file range, unmapped when its last reference goes. */
    static final class Mapping {
        final long address;
        final long length;
        /** The file offset at {@link #address}. */
        final long fileOffset;
        private final AtomicInteger refs = new AtomicInteger(1); // the creator's
        private boolean idleAtLastSweep; // loop only

        Mapping(long address, long length, long fileOffset) {
            this.address = address;
            this.length = length;
            this.fileOffset = fileOffset;
        }

        /** The address of the byte at file offset {@code offset} (which this mapping covers). */
        long addressOf(long offset) {
            return address + (offset - fileOffset);
        }

        private void retain() {
            refs.incrementAndGet();
        }

        /** Drops one reference; the last one unmaps. From any thread. */
        void release() {
            int left = refs.decrementAndGet();
            if (left == 0) {
                Native.munmap(address, length);
            } else if (left < 0) {
                throw new IllegalStateException("a file mapping released once too often");
            }
        }
    }

    /** A window of a file: (st_dev, st_ino, window index). Set only by the loop: see {@link #probe}. */
    private static final class Key {
        long device;
        long inode;
        long window;

        Key set(long device, long inode, long window) {
            this.device = device;
            this.inode = inode;
            this.window = window;
            return this;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Key)) {
                return false;
            }
            Key k = (Key) o;
            return device == k.device && inode == k.inode && window == k.window;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(device) * 31 * 31 + Long.hashCode(inode) * 31 + Long.hashCode(window);
        }
    }

    private final EventExecutor loop;
    private final GetBufFileSendStats stats;
    private final Map<Key, Mapping> windows = new LinkedHashMap<>(16, 0.75f, true); // least recently used first
    private final long[] stat = new long[FileNative.STAT_LENGTH];
    /** Looks windows up without an allocation per read; a key of its own goes into the map only with a new window. */
    private final Key probe = new Key();
    private final Runnable sweep = this::sweep;
    private boolean sweepScheduled;
    private boolean closed;

    FileMappings(EventExecutor loop, GetBufFileSendStats stats) {
        this.loop = loop;
        this.stats = stats;
    }

    /**
     * A mapping that covers {@code length} bytes of {@code fd} at {@code offset}, with a reference the caller now
     * owns (a {@link LentFileByteBuf} gives it back).
     *
     * @throws IOException if mmap fails
     */
    Mapping map(int fd, long offset, int length) throws IOException {
        long window = offset / WINDOW;
        boolean fits = (offset + length - 1) / WINDOW == window;
        if (!closed && fits && FileNative.fstat(fd, stat) == 0
                && (stat[FileNative.STAT_MODE] & FileNative.S_IFMT) == FileNative.S_IFREG) {
            long device = stat[FileNative.STAT_DEV];
            long inode = stat[FileNative.STAT_INO];
            Mapping m = windows.get(probe.set(device, inode, window));
            if (m != null) {
                stats.addReadMapping(true);
            } else {
                m = mmap(fd, window * WINDOW, WINDOW, offset, length);
                stats.addReadMapping(false);
                windows.put(new Key().set(device, inode, window), m); // the cache's reference
                evictOverCap();
                scheduleSweep();
            }
            m.idleAtLastSweep = false;
            m.retain(); // the caller's
            return m;
        }
        long base = offset & ~PAGE_MASK;
        Mapping own = mmap(fd, base, offset - base + length, offset, length);
        stats.addReadMapping(false);
        return own;
    }

    private static Mapping mmap(int fd, long fileOffset, long mappingLength, long offset, int length)
            throws IOException {
        long address = Native.mmapReadOnly(fd, mappingLength, fileOffset);
        if (address < 0) {
            throw Errors.newIOException("mmap of " + length + " bytes at " + offset, (int) address);
        }
        return new Mapping(address, mappingLength, fileOffset);
    }

    private void evictOverCap() {
        Iterator<Mapping> it = windows.values().iterator();
        while (windows.size() > MAX_WINDOWS) {
            Mapping eldest = it.next();
            it.remove();
            eldest.release(); // buffers still in it keep it mapped
        }
    }

    private void scheduleSweep() {
        if (sweepScheduled || closed || windows.isEmpty()) {
            return;
        }
        try {
            loop.schedule(sweep, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
            sweepScheduled = true;
        } catch (RejectedExecutionException e) {
            // the loop is ending: close() drops the windows
        }
    }

    /** Drops the windows no buffer used since the last sweep and none uses now. */
    private void sweep() {
        sweepScheduled = false;
        if (closed) {
            return;
        }
        Iterator<Mapping> it = windows.values().iterator();
        while (it.hasNext()) {
            Mapping m = it.next();
            if (m.refs.get() > 1) {
                m.idleAtLastSweep = false; // a buffer holds it (only the loop adds references: 1 stays 1 here)
            } else if (m.idleAtLastSweep) {
                it.remove();
                m.release(); // the last reference: unmapped now
            } else {
                m.idleAtLastSweep = true;
            }
        }
        scheduleSweep();
    }

    /** Windows the cache holds (tests). */
    int windows() {
        return windows.size();
    }

    /** The loop is ending: the cache lets go of every window; those buffers still use go with the last of them. */
    void close() {
        closed = true;
        for (Mapping m : windows.values()) {
            m.release();
        }
        windows.clear();
    }
}
