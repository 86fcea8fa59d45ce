/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What recently served paths resolved to, and their open files, for {@code validNanos} (nginx's
 * {@code open_file_cache}, which is off by default there): a small file's request otherwise spends more time in
 * {@code realpath}'s and {@code stat}'s system calls and in {@code open}/{@code close} than in sending it. Within that
 * time a file changed in place is served as it was resolved (size, validators); a file replaced under its name keeps
 * being served from the old one, whole and consistent; a file that shrank fails its response (the transport reports
 * the truncation) and the connection closes. Only what was found is kept: a 404 is never cached. Shared by all event
 * loops.
 */
final class OpenFileCache {
    /** Beyond this many entries, expired ones go; if none had, all do. */
    static final int MAX_ENTRIES = 4096;

    private static final class Entry<T> {
        final T value;
        final long expires;

        Entry(T value, long expires) {
            this.value = value;
            this.expires = expires;
        }
    }

    private final SiteRoot root;
    private final long validNanos;
    private final ConcurrentHashMap<String, Entry<SiteRoot.Resolution>> resolutions = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Path, Entry<OpenFile>> files = new ConcurrentHashMap<>();

    /** {@code validNanos} 0: nothing is kept, every request resolves and opens. */
    OpenFileCache(SiteRoot root, long validNanos) {
        this.root = root;
        this.validNanos = validNanos;
    }

    SiteRoot.Resolution resolve(List<String> segments) {
        if (validNanos == 0) {
            return root.resolve(segments);
        }
        String key = String.join("/", segments);
        long now = System.nanoTime();
        Entry<SiteRoot.Resolution> e = resolutions.get(key);
        if (e != null && now - e.expires < 0) {
            return e.value;
        }
        SiteRoot.Resolution r = root.resolve(segments);
        if (r.found()) {
            resolutions.put(key, new Entry<>(r, now + validNanos));
            trim(resolutions, now, r0 -> { });
        } else if (e != null) {
            resolutions.remove(key, e);
        }
        return r;
    }

    /**
     * The open file at {@code realPath} with a reference for the caller. NOFOLLOW_LINKS: the path was resolved to
     * have none, so a symlink swapped in since is refused rather than followed.
     */
    OpenFile open(Path realPath) throws IOException {
        long now = System.nanoTime();
        if (validNanos > 0) {
            Entry<OpenFile> e = files.get(realPath);
            if (e != null && now - e.expires < 0 && e.value.tryRetain()) {
                return e.value;
            }
        }
        OpenFile f = new OpenFile(FileChannel.open(realPath, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
        if (validNanos > 0) {
            f.tryRetain(); // the cache's own reference, besides the caller's
            Entry<OpenFile> old = files.put(realPath, new Entry<>(f, now + validNanos));
            if (old != null) {
                old.value.release();
            }
            trim(files, now, OpenFile::release);
        }
        return f;
    }

    private <T> void trim(ConcurrentHashMap<?, Entry<T>> map, long now, java.util.function.Consumer<T> drop) {
        if (map.size() <= MAX_ENTRIES) {
            return;
        }
        map.entrySet().removeIf(en -> {
            boolean expired = now - en.getValue().expires >= 0;
            if (expired) {
                drop.accept(en.getValue().value);
            }
            return expired;
        });
        if (map.size() > MAX_ENTRIES) {
            map.entrySet().removeIf(en -> {
                drop.accept(en.getValue().value);
                return true;
            });
        }
    }

    /** Open files the cache holds (tests). */
    int openFiles() {
        return files.size();
    }

    /** Lets go of every open file (shutdown); responses still sending keep theirs open until they are done. */
    void close() {
        files.values().removeIf(e -> {
            e.value.release();
            return true;
        });
        resolutions.clear();
    }
}
