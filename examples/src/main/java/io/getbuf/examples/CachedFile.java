/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.getbuf.transport.GetBufOpenFile;
import io.netty.channel.DefaultFileRegion;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A file opened beneath the root and what fstat of that descriptor said ({@link GetBufOpenFile}), with the validators
 * made from it: everything a response says about the file and every byte it sends come from this one object, so
 * they describe one version of one file whatever happens to its name meanwhile. Several responses may send it at
 * once and the {@link FileCache} may keep it: counted references, the descriptor closed when the last holder lets go.
 */
final class CachedFile {
    final GetBufOpenFile file;
    final Validators validators;
    private final AtomicInteger refs = new AtomicInteger(1);

    CachedFile(GetBufOpenFile file) {
        this.file = file;
        this.validators = new Validators(file.inode(), file.lastModifiedNanos(), file.size());
    }

    long size() {
        return file.size();
    }

    boolean isRegularFile() {
        return file.isRegularFile();
    }

    boolean isDirectory() {
        return file.isDirectory();
    }

    /** A new reference, or false when the file was closed meanwhile (its last holder let go). */
    boolean tryRetain() {
        for (;;) {
            int n = refs.get();
            if (n == 0) {
                return false;
            }
            if (refs.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void release() {
        int n = refs.decrementAndGet();
        if (n == 0) {
            try {
                file.close();
            } catch (IOException ignored) {
                // opened read-only: nothing is lost
            }
        } else if (n < 0) {
            throw new IllegalStateException("released once too often: " + file);
        }
    }

    /** Whether the descriptor is still open (tests). */
    boolean isOpen() {
        return file.isOpen();
    }

    /** Bytes [offset, offset + length) as a region that owns a new reference (the caller must hold one). */
    DefaultFileRegion region(long offset, long length) {
        if (!tryRetain()) {
            throw new IllegalStateException("closed: " + file);
        }
        return new DefaultFileRegion(file.channel(), offset, length) {
            @Override
            protected void deallocate() {
                CachedFile.this.release(); // not super: that would close the channel under the other holders
            }
        };
    }

    @Override
    public String toString() {
        return file.toString();
    }
}
