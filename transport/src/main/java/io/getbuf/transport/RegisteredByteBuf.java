/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

/**
 * A direct buffer whose memory is registered in a slot of one event loop's buffer table (see {@link SlotByteBuf}), no
 * page pinning per send. At refcount 0 its memory goes back to its {@link RegisteredByteBufAllocator}, on the loop,
 * from whatever thread released it; the channel holds a reference of its own until the kernel's notification says the
 * socket no longer needs the pages.
 */
final class RegisteredByteBuf extends SlotByteBuf {
    final RegisteredByteBufAllocator owner;
    final RegisteredByteBufAllocator.Region region;

    RegisteredByteBuf(RegisteredByteBufAllocator owner, RegisteredByteBufAllocator.Region region, int capacity) {
        super(region.window(capacity), capacity);
        this.owner = owner;
        this.region = region;
        clear();
    }

    @Override
    int slot() {
        return region.slot;
    }

    @Override
    RegisteredBufferTable table() {
        return owner.table();
    }

    /** Registered user memory is named by its own addresses. */
    @Override
    long slotAddress(long address) {
        return address;
    }

    @Override
    void giveBack() {
        owner.giveBack(region);
    }
}
