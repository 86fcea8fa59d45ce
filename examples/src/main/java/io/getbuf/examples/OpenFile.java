/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.netty.channel.DefaultFileRegion;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An open file that several responses may be sending at once, and the {@link OpenFileCache} may keep: counted
 * references, closed when the last holder lets go. Each response's body is a {@link DefaultFileRegion} of it that
 * holds one reference (the transport reads the region's channel, so a region must not close what others still send).
 */
final class OpenFile {
    final FileChannel channel;
    private final AtomicInteger refs = new AtomicInteger(1);

    OpenFile(FileChannel channel) {
        this.channel = channel;
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
        if (refs.decrementAndGet() == 0) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // opened read-only: nothing is lost
            }
        }
    }

    /** Bytes [offset, offset + length) as a region that owns the caller's reference. */
    DefaultFileRegion region(long offset, long length) {
        return new DefaultFileRegion(channel, offset, length) {
            @Override
            protected void deallocate() {
                OpenFile.this.release(); // not super: that would close the channel under the other holders
            }
        };
    }
}
