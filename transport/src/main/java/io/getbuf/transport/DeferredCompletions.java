/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.CompletionQueue;

/**
 * Completions taken off the CQ without being dispatched: when the SQ is full and the kernel takes none of it, the
 * loop must make room in the CQ from inside a channel's {@code submit}, and a completion handed to a channel there
 * would find it half-way through an update (a write retained but not yet recorded as in flight). They wait here,
 * in order, and the loop dispatches them before anything newer from the CQ.
 */
final class DeferredCompletions implements CompletionQueue.Callback {
    private int[] res = new int[16];
    private int[] flags = new int[16];
    private long[] userData = new long[16];
    private int size;

    @Override
    public void complete(int res, int flags, long userData) {
        if (size == this.res.length) {
            grow();
        }
        this.res[size] = res;
        this.flags[size] = flags;
        this.userData[size] = userData;
        size++;
    }

    private void grow() {
        int n = size * 2;
        res = java.util.Arrays.copyOf(res, n);
        flags = java.util.Arrays.copyOf(flags, n);
        userData = java.util.Arrays.copyOf(userData, n);
    }

    boolean isEmpty() {
        return size == 0;
    }

    /**
     * Hands every stored completion to {@code callback}, oldest first, including those stored while it runs
     * (they are newer); returns how many.
     */
    int dispatch(CompletionQueue.Callback callback) {
        int n = 0;
        for (int i = 0; i < size; i++) {
            callback.complete(res[i], flags[i], userData[i]);
            n++;
        }
        size = 0;
        return n;
    }
}
