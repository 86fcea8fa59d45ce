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
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.netty.util.ResourceLeakTracker;
import io.netty.util.internal.PlatformDependent;

import java.io.IOException;
import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A provided-buffer ring over one fixed slab of direct memory, {@code entries} buffers of
 * {@code bufferSize} bytes. Buffer {@code bid} is owned either by the kernel (in the ring) or by
 * the application (handed out as a {@link ByteBuf} whose deallocation hands it back); never both.
 * Returns may come from any thread; only the event loop touches the ring itself.
 *
 * <p>Each buffer id has one {@link RingBuf} object for the life of the ring, handed out again
 * every time the kernel fills that buffer: a read through the ring allocates nothing (in
 * incremental mode, one slice per piece). Handed-out buffers are tracked by Netty's leak detector
 * like any pooled buffer; one the application drops without releasing it is reported, and once
 * the garbage collector has it, the ring takes its buffer back.
 */
final class BufferRing {
    static final short GROUP_ID = 1;
    private static final int TAIL_OFFSET = 14; // struct io_uring_buf_ring: tail overlays bufs[0].resv
    private static final int CLOSED = 1 << 30;  // in state, above the count of buffers lent out
    private static final ResourceLeakDetector<ByteBuf> LEAKS =
            ResourceLeakDetectorFactory.instance().newResourceLeakDetector(ByteBuf.class);

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
    private final RingBuf[] parked;          // the buffer object of each bid while the kernel has it (null while lent)
    private final BidReference[] references; // notices a lent RingBuf the application dropped unreleased
    private final ReferenceQueue<RingBuf> dropped = new ReferenceQueue<>();
    private final RingBuf[] inKernel;  // the buffer the kernel is filling, incremental mode only
    private final int[] consumed;      // bytes of bid the kernel used up, incremental mode only
    private final AtomicLongArray returned;
    // buffers lent to the application (low bits) and CLOSED: whoever brings it to exactly CLOSED frees the slab
    private final AtomicInteger state = new AtomicInteger();
    private final AtomicInteger slabFrees = new AtomicInteger();
    private volatile int partlyFilled; // roots in inKernel: counted in state, yet still the kernel's
    private volatile boolean anyReturned;
    private volatile int leakedAndReclaimed;
    private boolean closed;
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
        parked = new RingBuf[entries];
        references = new BidReference[entries];
        for (int i = 0; i < entries; i++) {
            adopt(new RingBuf(i));
        }
        inKernel = incremental ? new RingBuf[entries] : null;
        consumed = incremental ? new int[entries] : null;
        returned = new AtomicLongArray((entries + 63) >>> 6);
        for (int i = 0; i < entries; i++) {
            provide(i);
        }
        publish();
    }

    /** Makes {@code buf} the buffer object of its bid (at creation, and after its predecessor was dropped). */
    private void adopt(RingBuf buf) {
        parked[buf.bid] = buf;
        references[buf.bid] = new BidReference(buf, dropped);
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

    /** Gives the kernel back the buffers the application released (or dropped) since the last call. */
    void reclaimReturned() {
        boolean any = reclaimDropped();
        if (anyReturned) {
            anyReturned = false;
            for (int w = 0; w < returned.length(); w++) {
                long bits = returned.getAndSet(w, 0L);
                while (bits != 0) {
                    int bit = Long.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                    provide((w << 6) + bit);
                    any = true;
                }
            }
        }
        if (any) {
            publish();
        }
    }

    /**
     * Buffers whose {@link RingBuf} the garbage collector took while lent out: the application dropped them
     * without releasing them (the leak detector says where). Nobody can reach their memory any more, so the kernel
     * may have it again, behind a new buffer object.
     */
    private boolean reclaimDropped() {
        boolean any = false;
        for (;;) {
            BidReference ref = (BidReference) dropped.poll();
            if (ref == null) {
                return any;
            }
            if (references[ref.bid] != ref) {
                continue; // an older object of that bid
            }
            leakedAndReclaimed++;
            adopt(new RingBuf(ref.bid));
            provide(ref.bid);
            any = true;
            if (state.decrementAndGet() == CLOSED) {
                freeSlab();
            }
        }
    }

    /**
     * Takes the {@code bytes} the kernel put into buffer {@code bid}: the returned buffer owns
     * them. In incremental mode {@code more} (IORING_CQE_F_BUF_MORE) says the kernel keeps
     * filling the rest of that buffer.
     */
    ByteBuf take(int bid, int bytes, boolean more) {
        available--;
        if (!incremental) {
            return lend(bid).setIndex(0, bytes);
        }
        // The kernel fills one buffer piece by piece: the first piece opens the buffer, each
        // piece is a retained slice of it, and our own reference ends when the kernel is done.
        RingBuf root = inKernel[bid];
        if (root == null) {
            root = lend(bid);
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

    private RingBuf lend(int bid) {
        RingBuf buf = parked[bid];
        parked[bid] = null;
        state.incrementAndGet();
        buf.lent();
        return buf;
    }

    /** A buffer came back (any thread): the kernel gets it at the next {@link #reclaimReturned}. */
    private void giveBack(RingBuf buf) {
        parked[buf.bid] = buf; // published to the loop by the atomic updates below
        int w = buf.bid >>> 6;
        long bit = 1L << (buf.bid & 63);
        for (;;) {
            long old = returned.get(w);
            if (returned.compareAndSet(w, old, old | bit)) {
                break;
            }
        }
        anyReturned = true;
        if (state.decrementAndGet() == CLOSED) {
            freeSlab(); // the last buffer out after the ring closed
        }
    }

    /**
     * Unregisters the ring from the kernel and frees what nobody holds any more: the ring's own memory, and the slab
     * once the application has released every buffer it holds. Call it before the io_uring is closed.
     * {@code quiescent}: no operation that could still pick a buffer is in flight (every completion came back);
     * otherwise nothing is unregistered or freed: the io_uring's teardown ends the registration, and the memory is
     * left to the process rather than risk a kernel write into memory reused for something else.
     */
    void close(boolean quiescent) {
        if (closed) {
            return;
        }
        closed = true;
        if (!quiescent) {
            // the ring's own teardown (closing its fd) drops the registration
            return;
        }
        // Called while the ring fd is still open: after it is closed its number may name another ring.
        BufferRingRegistration.unregister(ringFd, GROUP_ID);
        BufferRingRegistration.freeRing(ringAddress, entries);
        if (incremental) {
            for (int i = 0; i < entries; i++) {
                RingBuf b = inKernel[i];
                if (b != null) {
                    inKernel[i] = null;
                    partlyFilled--;
                    b.release();
                }
            }
        }
        int before = state.getAndAdd(CLOSED);
        if (before == 0) {
            freeSlab();
        }
    }

    private void freeSlab() {
        slabFrees.incrementAndGet();
        Buffer.free(slab);
    }

    /** How many times the slab was freed: 1 once the ring is closed and every buffer is back (tests). */
    int slabFrees() {
        return slabFrees.get();
    }

    /**
     * Buffers the application holds (for tests: returns to 0 once everything is released). A
     * buffer the kernel is still filling piece by piece is the kernel's, not counted.
     */
    int lentCount() {
        return (state.get() & ~CLOSED) - partlyFilled;
    }

    /** Buffers the application dropped without releasing them, taken back after garbage collection (tests). */
    int leakedAndReclaimed() {
        return leakedAndReclaimed;
    }

    /**
     * The one buffer object of ring buffer {@code bid}; deallocating it gives the buffer back to the ring. It exposes
     * its memory address, so a received buffer written back out (an echo, a proxy) is sent from the ring buffer itself
     * rather than copied first.
     */
    private final class RingBuf extends UnpooledUnsafeDirectByteBuf {
        final int bid;
        private ResourceLeakTracker<ByteBuf> leak;

        RingBuf(int bid) {
            super(ByteBufAllocator.DEFAULT, bufferView(bid), bufferSize);
            this.bid = bid;
        }

        /** Handed out again: one reference, and tracked by the leak detector (when it samples this one). */
        void lent() {
            resetRefCnt();
            leak = LEAKS.track(this);
        }

        @Override
        public ByteBuf touch(Object hint) {
            ResourceLeakTracker<ByteBuf> l = leak;
            if (l != null) {
                l.record(hint);
            }
            return this;
        }

        @Override
        public ByteBuf touch() {
            return touch(null);
        }

        @Override
        protected void freeDirect(ByteBuffer buffer) {
            // the slab is freed by the ring, never piecewise
        }

        @Override
        protected void deallocate() {
            ResourceLeakTracker<ByteBuf> l = leak;
            if (l != null) {
                leak = null;
                l.close(this);
            }
            giveBack(this);
        }
    }

    private ByteBuffer bufferView(int bid) {
        ByteBuffer view = slab.duplicate();
        view.position(bid * bufferSize).limit((bid + 1) * bufferSize);
        return view.slice();
    }

    /** Enqueued when a {@link RingBuf} is garbage collected; only a lent one can be (the ring holds the others). */
    private static final class BidReference extends PhantomReference<RingBuf> {
        final int bid;

        BidReference(RingBuf buf, ReferenceQueue<RingBuf> queue) {
            super(buf, queue);
            this.bid = buf.bid;
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
