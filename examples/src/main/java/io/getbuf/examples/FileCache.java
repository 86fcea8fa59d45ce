/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Recently served paths and their open files (nginx's {@code open_file_cache}, which is off by default there): one
 * entry per path holding the open descriptor and its fstat ({@link CachedFile}), so a response's length, ETag,
 * Last-Modified and bytes always come from the same file. A small file's request otherwise spends more in
 * {@code openat2}, {@code fstat} and {@code close} than in sending it.
 *
 * <p>An entry is served as is for {@code validNanos} after it was opened or last revalidated. Then the next request
 * opens the path again beneath the root and compares (nginx's {@code open_file_cache_valid}): the same inode in the
 * same state (size, modification and change times) keeps the entry; anything else replaces it, and a path that no
 * longer opens loses it (a withdrawn file stops being served, with the status its open gives). Within the valid time
 * a file replaced by rename is still served whole from the old one; a file truncated in place fails the responses
 * that were sending it (the connection closes: the client sees a short body, never a wrong one). Failures (404, 403)
 * are never kept. At most {@code maxEntries} entries, the least recently used dropped first, and a sweep every
 * valid time drops those expired for a valid time already, so deleted files' descriptors close without a request
 * (within two valid times). Shared by all loops.
 */
final class FileCache implements AutoCloseable {
    static final int DEFAULT_MAX_ENTRIES = 4096;
    private static final long MIN_SWEEP_MILLIS = 10;

    private static final class Entry {
        final CachedFile file;
        long validUntil;

        Entry(CachedFile file, long validUntil) {
            this.file = file;
            this.validUntil = validUntil;
        }
    }

    private final SiteRoot root;
    private final long validNanos;
    private final int maxEntries;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(64, 0.75f, true); // guarded by this
    private final ScheduledExecutorService sweeper;
    private long opens; // guarded by this: opens of the file system, for tests and the summary

    /** {@code validNanos} 0: nothing is kept, every request opens. */
    FileCache(SiteRoot root, long validNanos, int maxEntries) {
        this(root, validNanos, maxEntries, true);
    }

    /** {@code sweeping} false: no sweep (tests that time revalidation). */
    FileCache(SiteRoot root, long validNanos, int maxEntries, boolean sweeping) {
        this.root = root;
        this.validNanos = validNanos;
        this.maxEntries = maxEntries;
        if (validNanos > 0 && sweeping) {
            sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "file-cache-sweeper");
                t.setDaemon(true);
                return t;
            });
            long period = Math.max(MIN_SWEEP_MILLIS, TimeUnit.NANOSECONDS.toMillis(validNanos));
            sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
        } else {
            sweeper = null;
        }
    }

    SiteRoot root() {
        return root;
    }

    /**
     * The file at {@code path} (segments joined by '/', none hidden; "" for the root) with a reference for the
     * caller, who releases it. Fails as {@link SiteRoot#open} does.
     */
    CachedFile open(String path) throws IOException {
        long now = System.nanoTime();
        Entry stale = null;
        if (validNanos > 0) {
            synchronized (this) {
                Entry e = entries.get(path);
                if (e != null) {
                    if (now - e.validUntil < 0 && e.file.tryRetain()) {
                        return e.file;
                    }
                    stale = e;
                }
            }
        }
        CachedFile fresh;
        try {
            fresh = new CachedFile(root.open(path));
        } catch (IOException failure) {
            if (stale != null) {
                drop(path, stale);
            }
            throw failure;
        }
        List<CachedFile> released = new ArrayList<>(2);
        synchronized (this) {
            opens++;
            if (validNanos == 0) {
                return fresh;
            }
            Entry current = entries.get(path);
            if (current != null && current.file.file.isSameVersion(fresh.file) && current.file.tryRetain()) {
                current.validUntil = now + validNanos; // revalidated: the same file, unchanged
                released.add(fresh);
                fresh = current.file;
            } else {
                fresh.tryRetain(); // the cache's own reference
                Entry old = entries.put(path, new Entry(fresh, now + validNanos));
                if (old != null) {
                    released.add(old.file);
                }
                for (Iterator<Entry> it = entries.values().iterator(); entries.size() > maxEntries; ) {
                    released.add(it.next().file); // least recently used first
                    it.remove();
                }
            }
        }
        released.forEach(CachedFile::release); // closing is a system call: not under the lock
        return fresh;
    }

    private void drop(String path, Entry e) {
        boolean removed;
        synchronized (this) {
            removed = entries.remove(path, e);
        }
        if (removed) {
            e.file.release();
        }
    }

    /**
     * Drops every entry that expired a valid time ago or more (their descriptors close once no response holds them):
     * an entry in use is revalidated by its next request instead, an idle one goes within two valid times.
     */
    void sweep() {
        long now = System.nanoTime() - validNanos;
        List<CachedFile> released = new ArrayList<>();
        synchronized (this) {
            for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
                Entry e = it.next();
                if (now - e.validUntil >= 0) {
                    released.add(e.file);
                    it.remove();
                }
            }
        }
        released.forEach(CachedFile::release);
    }

    /** Entries (open files) the cache holds now. */
    synchronized int size() {
        return entries.size();
    }

    /** Files opened from the file system so far (cache misses and revalidations). */
    synchronized long opens() {
        return opens;
    }

    /** Lets go of every entry (shutdown); responses still sending keep theirs open until they are done. */
    @Override
    public void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        List<CachedFile> released = new ArrayList<>();
        synchronized (this) {
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                released.add(e.getValue().file);
            }
            entries.clear();
        }
        released.forEach(CachedFile::release);
    }
}
