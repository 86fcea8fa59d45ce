/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledUnsafeDirectByteBuf;

/**
 * A direct buffer whose memory is registered in a slot of one event loop's buffer table, so that a getbuf channel of
 * that loop sends it with {@code IORING_OP_SEND_ZC} + {@code IORING_RECVSEND_FIXED_BUF}: no copy into the socket and
 * no page pinning per send. Its capacity is fixed (the slot's memory cannot grow). At refcount 0 its memory goes back
 * to its {@link RegisteredByteBufAllocator}, on the loop, from whatever thread released it; the channel holds a
 * reference of its own until the kernel's notification says the socket no longer needs the pages.
 */
final class RegisteredByteBuf extends UnpooledUnsafeDirectByteBuf {
    /** How deep {@link #rootOf} looks through wrappers (leak detection, slices, duplicates). */
    private static final int MAX_UNWRAP = 8;

    final RegisteredByteBufAllocator owner;
    final RegisteredByteBufAllocator.Region region;

    RegisteredByteBuf(RegisteredByteBufAllocator owner, RegisteredByteBufAllocator.Region region, int capacity) {
        super(ByteBufAllocator.DEFAULT, region.window(capacity), capacity);
        this.owner = owner;
        this.region = region;
        clear();
    }

    int slot() {
        return region.slot;
    }

    @Override
    public ByteBuf capacity(int newCapacity) {
        if (newCapacity != capacity()) {
            throw new UnsupportedOperationException("a registered buffer keeps its capacity (" + capacity() + ')');
        }
        return this;
    }

    @Override
    protected void deallocate() {
        super.deallocate(); // forgets the ByteBuffer; the memory belongs to the region
        owner.giveBack(region);
    }

    /** The registered buffer {@code buf} is, wraps or is derived from, or null. */
    static RegisteredByteBuf rootOf(ByteBuf buf) {
        ByteBuf b = buf;
        for (int i = 0; i < MAX_UNWRAP && b != null; i++) {
            if (b instanceof RegisteredByteBuf) {
                return (RegisteredByteBuf) b;
            }
            b = b.unwrap();
        }
        return null;
    }
}
