/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledUnsafeDirectByteBuf;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.netty.util.ResourceLeakTracker;

import java.nio.ByteBuffer;

/**
 * A direct buffer whose bytes a slot of one event loop's buffer table also holds, so that a getbuf channel of that
 * loop sends it with {@code IORING_OP_SEND_ZC} from the slot ({@code IORING_RECVSEND_FIXED_BUF}): no copy into the
 * socket. Its memory is not Netty's: subclasses give it back in {@link #deallocate()}. Its capacity is fixed. The
 * leak detector tracks it as it tracks pooled buffers, since a forgotten one holds a slot for good.
 */
abstract class SlotByteBuf extends UnpooledUnsafeDirectByteBuf {
    /** How deep {@link #rootOf} looks through wrappers (leak detection, slices, duplicates, read-only views). */
    private static final int MAX_UNWRAP = 8;
    private static final ResourceLeakDetector<ByteBuf> LEAKS =
            ResourceLeakDetectorFactory.instance().newResourceLeakDetector(ByteBuf.class);

    private final ResourceLeakTracker<ByteBuf> leak;

    SlotByteBuf(ByteBuffer memory, int capacity) {
        super(ByteBufAllocator.DEFAULT, memory, capacity);
        leak = LEAKS.track(this);
    }

    /** The table slot that names this buffer's bytes. */
    abstract int slot();

    /** The table the slot belongs to (one per event loop). */
    abstract RegisteredBufferTable table();

    /** The address a fixed-buffer operation names for the byte at {@code address} of this buffer's memory. */
    abstract long slotAddress(long address);

    /** The memory is no longer this buffer's: give it (and the slot) back. */
    abstract void giveBack();

    @Override
    public final ByteBuf capacity(int newCapacity) {
        if (newCapacity != capacity()) {
            throw new UnsupportedOperationException("a buffer held in a table slot keeps its capacity ("
                    + capacity() + ')');
        }
        return this;
    }

    @Override
    protected final void deallocate() {
        super.deallocate(); // forgets the ByteBuffer; the memory is not Netty's to free
        if (leak != null) {
            leak.close(this);
        }
        giveBack();
    }

    /** The slot-backed buffer {@code buf} is, wraps or is derived from, or null. */
    static SlotByteBuf rootOf(ByteBuf buf) {
        ByteBuf b = buf;
        for (int i = 0; i < MAX_UNWRAP && b != null; i++) {
            if (b instanceof SlotByteBuf) {
                return (SlotByteBuf) b;
            }
            b = b.unwrap();
        }
        return null;
    }
}
