/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.BufferRingRegistration;
import io.getbuf.transport.internal.Native;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledUnsafeDirectByteBuf;
import io.netty.channel.unix.Buffer;
import io.netty.channel.unix.Errors;
import io.netty.util.internal.PlatformDependent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A provided-buffer ring over one fixed slab of direct memory, {@code entries} buffers of
 * {@code bufferSize} bytes. Buffer {@code bid} is owned either by the kernel (in the ring) or by
 * the application (handed out as a {@link ByteBuf} whose deallocation hands it back); never both.
 * Returns may come from any thread; only the event loop touches the ring itself.
 */
final class BufferRing {
    static final short GROUP_ID = 1;
    private static final int TAIL_OFFSET = 14; // struct io_uring_buf_ring: tail overlays bufs[0].resv

    private final int ringFd;
    private final int entries;
    private final int mask;
    private final int bufferSize;
    private final boolean incremental;
    private final boolean multishot;
    private final long ringAddress;
    private final ByteBuffer ringMemory;
    private final ByteBuffer slab;
    private final long slabAddress;
    private final ByteBuffer[] views;
    private final RingBuf[] inKernel;  // the buffer the kernel is filling, incremental mode only
    private final int[] consumed;      // bytes of bid the kernel used up, incremental mode only
    private final AtomicLongArray returned;
    private final AtomicInteger lent = new AtomicInteger();
    private volatile int partlyFilled; // roots in inKernel: counted in lent, yet still the kernel's
    private volatile boolean anyReturned;
    private volatile boolean closed;
    private boolean slabFreed;
    private int tail;
    private int available;

    private BufferRing(int ringFd, GetBufBufferRingConfig config, boolean incremental) throws IOException {
        this.ringFd = ringFd;
        this.entries = config.entries();
        this.mask = entries - 1;
        this.bufferSize = config.bufferSize();
        this.incremental = incremental;
        this.multishot = config.isMultishot() && GetBuf.isRecvMultishotSupported();
        ringAddress = BufferRingRegistration.allocateRing(entries);
        ringMemory = Buffer.wrapMemoryAddressWithNativeOrder(ringAddress, entries * BufferRingRegistration.SIZEOF_BUF);
        int res = BufferRingRegistration.register(ringFd, ringAddress, entries, GROUP_ID,
                incremental ? Native.IOU_PBUF_RING_INC : 0);
        if (res < 0) {
            BufferRingRegistration.freeRing(ringAddress, entries);
            throw Errors.newIOException("io_uring_register(PBUF_RING)", res);
        }
        slab = Buffer.allocateDirectWithNativeOrder(Math.multiplyExact(entries, bufferSize));
        slabAddress = Buffer.memoryAddress(slab);
        views = new ByteBuffer[entries];
        for (int i = 0; i < entries; i++) {
            ByteBuffer dup = slab.duplicate();
            dup.position(i * bufferSize).limit((i + 1) * bufferSize);
            views[i] = dup.slice();
        }
        inKernel = incremental ? new RingBuf[entries] : null;
        consumed = incremental ? new int[entries] : null;
        returned = new AtomicLongArray((entries + 63) >>> 6);
        for (int i = 0; i < entries; i++) {
            provide(i);
        }
        publish();
    }

    static BufferRing create(int ringFd, GetBufBufferRingConfig config) throws IOException {
        if (!GetBuf.isBufferRingSupported()) {
            throw new IOException("this kernel has no provided buffer rings (IORING_REGISTER_PBUF_RING)");
        }
        if (!PlatformDependent.hasUnsafe()) {
            // ring buffers are handed out by address
            throw new IOException("a buffer ring needs sun.misc.Unsafe: " + PlatformDependent.getUnsafeUnavailabilityCause());
        }
        boolean incremental = config.isIncremental() && GetBuf.isIncrementalBufferRingSupported();
        return new BufferRing(ringFd, config, incremental);
    }

    short groupId() {
        return GROUP_ID;
    }

    boolean isIncremental() {
        return incremental;
    }

    /** Channels keep a multishot recv armed on this ring (see {@link GetBufBufferRingConfig#setMultishot}). */
    boolean isMultishot() {
        return multishot;
    }

    /** Buffers the kernel can fill right now. */
    int available() {
        reclaimReturned();
        return available;
    }

    int entries() {
        return entries;
    }

    int bufferSize() {
        return bufferSize;
    }

    private void provide(int bid) {
        int base = (tail & mask) * BufferRingRegistration.SIZEOF_BUF;
        ringMemory.putLong(base, slabAddress + (long) bid * bufferSize);
        ringMemory.putInt(base + 8, bufferSize);
        ringMemory.putShort(base + 12, (short) bid);
        tail++;
        available++;
    }

    private void publish() {
        SubmissionQueueTail.publish(ringMemory, TAIL_OFFSET, (short) tail);
    }

    /** Gives the kernel back the buffers the application released since the last call. */
    void reclaimReturned() {
        if (!anyReturned) {
            return;
        }
        anyReturned = false;
        boolean any = false;
        for (int w = 0; w < returned.length(); w++) {
            long bits = returned.getAndSet(w, 0L);
            while (bits != 0) {
                int bit = Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                provide((w << 6) + bit);
                any = true;
            }
        }
        if (any) {
            publish();
        }
    }

    /**
     * Takes the {@code bytes} the kernel put into buffer {@code bid}: the returned buffer owns
     * them. In incremental mode {@code more} (IORING_CQE_F_BUF_MORE) says the kernel keeps
     * filling the rest of that buffer.
     */
    ByteBuf take(ByteBufAllocator alloc, int bid, int bytes, boolean more) {
        available--;
        if (!incremental) {
            RingBuf buf = new RingBuf(alloc, bid);
            buf.setIndex(0, bytes);
            return buf;
        }
        // The kernel fills one buffer piece by piece: the first piece opens the buffer, each
        // piece is a retained slice of it, and our own reference ends when the kernel is done.
        RingBuf root = inKernel[bid];
        if (root == null) {
            root = new RingBuf(alloc, bid);
            inKernel[bid] = root;
            consumed[bid] = 0;
            partlyFilled++;
        }
        int offset = consumed[bid];
        ByteBuf piece = root.retainedSlice(offset, bytes);
        consumed[bid] = offset + bytes;
        if (more) {
            available++; // still the kernel's
        } else {
            inKernel[bid] = null;
            partlyFilled--;
            root.release();
        }
        return piece;
    }

    private void giveBack(int bid) {
        if (closed) {
            if (lent.decrementAndGet() == 0) {
                freeSlab();
            }
            return;
        }
        lent.decrementAndGet();
        int w = bid >>> 6;
        long bit = 1L << (bid & 63);
        for (;;) {
            long old = returned.get(w);
            if (returned.compareAndSet(w, old, old | bit)) {
                break;
            }
        }
        anyReturned = true;
    }

    void close() {
        if (closed) {
            return;
        }
        closed = true;
        BufferRingRegistration.unregister(ringFd, GROUP_ID);
        BufferRingRegistration.freeRing(ringAddress, entries);
        if (incremental) {
            for (int i = 0; i < entries; i++) {
                if (inKernel[i] != null) {
                    RingBuf b = inKernel[i];
                    inKernel[i] = null;
                    partlyFilled--;
                    b.release();
                }
            }
        }
        if (lent.get() == 0) {
            freeSlab();
        }
    }

    private synchronized void freeSlab() {
        if (!slabFreed) {
            slabFreed = true;
            Buffer.free(slab);
        }
    }

    /**
     * Buffers the application holds (for tests: returns to 0 once everything is released). A
     * buffer the kernel is still filling piece by piece is the kernel's, not counted.
     */
    int lentCount() {
        return lent.get() - partlyFilled;
    }

    /**
     * A view of one ring buffer; deallocating it gives the buffer back to the ring. It exposes its
     * memory address, so a received buffer written back out (an echo, a proxy) is sent from the
     * ring buffer itself rather than copied first.
     */
    private final class RingBuf extends UnpooledUnsafeDirectByteBuf {
        private final int bid;

        RingBuf(ByteBufAllocator alloc, int bid) {
            super(alloc, views[bid].duplicate(), bufferSize);
            this.bid = bid;
            lent.incrementAndGet();
        }

        @Override
        protected void freeDirect(ByteBuffer buffer) {
            // the slab is freed by the ring, never piecewise
        }

        @Override
        protected void deallocate() {
            giveBack(bid);
        }
    }

    /** Release-ordered store of the ring's 16-bit tail. */
    private static final class SubmissionQueueTail {
        private static final java.lang.invoke.VarHandle SHORT = java.lang.invoke.MethodHandles
                .byteBufferViewVarHandle(short[].class, java.nio.ByteOrder.nativeOrder());

        static void publish(ByteBuffer ring, int offset, short tail) {
            SHORT.setRelease(ring, offset, tail);
        }
    }
}
