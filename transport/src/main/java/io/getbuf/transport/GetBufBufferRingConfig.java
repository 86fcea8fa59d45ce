/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.util.internal.ObjectUtil;

/**
 * A provided-buffer ring (IORING_REGISTER_PBUF_RING) that a {@link GetBufIoHandler} lends to the
 * kernel for receives: the kernel picks a buffer when data arrives, so an idle connection holds
 * no receive buffer. Its memory is fixed, {@code entries * bufferSize} bytes: a buffer goes back
 * to the ring only when the pipeline releases it, so unreleased buffers are capped at
 * {@code entries}. When the application holds them all, the ring is exhausted: the channel fires
 * {@link GetBufBufferRingExhaustedEvent} and receives into allocator buffers until buffers return.
 */
public final class GetBufBufferRingConfig {
    private final int entries;
    private final int bufferSize;
    private boolean incremental = true;
    private boolean multishot;

    /**
     * @param entries    ring slots, a power of two up to 32768
     * @param bufferSize bytes per buffer
     */
    public GetBufBufferRingConfig(int entries, int bufferSize) {
        ObjectUtil.checkPositive(entries, "entries");
        ObjectUtil.checkPositive(bufferSize, "bufferSize");
        if (Integer.bitCount(entries) != 1 || entries > 32768) {
            throw new IllegalArgumentException("entries must be a power of two up to 32768: " + entries);
        }
        this.entries = entries;
        this.bufferSize = bufferSize;
    }

    /**
     * Consume buffers incrementally (IOU_PBUF_RING_INC) where the kernel has it, so a small
     * message does not use up a whole buffer. Default: true. Falls back to whole buffers when
     * the kernel lacks it.
     *
     * @param incremental true to consume buffers incrementally where the kernel can, false for a whole buffer per
     *                    receive
     * @return this config
     */
    public GetBufBufferRingConfig setIncremental(boolean incremental) {
        this.incremental = incremental;
        return this;
    }

    /**
     * Keep one multishot recv armed per reading channel (IORING_RECV_MULTISHOT) instead of one
     * recv per read. Default: false. A multishot recv saves a submission per read, but the kernel
     * cannot limit how much it reads: when AUTO_READ goes off (back-pressure) the data it already
     * took still arrives, up to some 32 buffers per connection per loop iteration, and the
     * allocator's {@code guess()} does not bound a read. Single recvs read at most
     * {@code min(guess(), bufferSize)} bytes and stop exactly when reading is turned off.
     *
     * @param multishot true to keep a multishot recv armed where the kernel has it
     *                  ({@link GetBuf#isRecvMultishotSupported()}; single recvs otherwise), false for one recv per
     *                  read
     * @return this config
     */
    public GetBufBufferRingConfig setMultishot(boolean multishot) {
        this.multishot = multishot;
        return this;
    }

    /** {@return the ring's slots: how many buffers it has} */
    public int entries() {
        return entries;
    }

    /** {@return the bytes of each buffer} */
    public int bufferSize() {
        return bufferSize;
    }

    /** {@return whether incremental consumption was asked for (the kernel may lack it; see {@link #setIncremental})} */
    public boolean isIncremental() {
        return incremental;
    }

    /** {@return whether a multishot recv was asked for (the kernel may lack it; see {@link #setMultishot})} */
    public boolean isMultishot() {
        return multishot;
    }

    @Override
    public String toString() {
        return "GetBufBufferRingConfig{entries=" + entries + ", bufferSize=" + bufferSize + ", incremental="
                + incremental + ", multishot=" + multishot + '}';
    }
}
