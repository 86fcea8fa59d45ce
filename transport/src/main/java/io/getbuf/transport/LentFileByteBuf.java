/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.netty.util.concurrent.EventExecutor;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;

/**
 * A range of a file's page-cache pages, lent by {@code IORING_OP_GET_BUF} into a slot of one loop's table, and read by
 * Java through a read-only shared mapping that covers the same range (the same pages, no copy): a window of the loop's
 * {@link FileMappings}, shared with other reads of the file, or a mapping of its own. Read-only, with every view (see
 * {@link SlotByteBuf#makeReadOnly}): a write through the mapping would crash the JVM. At refcount 0 the slot is emptied
 * at the loop's next batch of table updates, and the kernel gives the pages back to the file. The buffer's reference
 * to the mapping goes at once, unless an NIO view of it was handed out: a view read after the release would crash the
 * JVM on an unmapped address, so the reference then goes when the garbage collector finds no view left (reading it
 * then shows the file as it is, like any mapping).
 */
final class LentFileByteBuf extends SlotByteBuf {
    private static final Cleaner UNMAPPER = Cleaner.create();

    private final RegisteredBufferTable table;
    private final EventExecutor loop;
    private final int slot;
    private final FileMappings.Mapping mapping;
    private final long start;
    private final ByteBuffer memory; // what every NIO view of this buffer derives from (and keeps reachable)
    private boolean nioViewsOut;

    /**
     * @param mapping a read-only mapping that covers the range, one reference of which this buffer now owns
     * @param start   the address of the range's first byte in the mapping (slot address 0)
     */
    LentFileByteBuf(RegisteredBufferTable table, EventExecutor loop, int slot, FileMappings.Mapping mapping,
                    long start, int length) {
        this(table, loop, slot, mapping, start, Native.directBuffer(start, length));
    }

    private LentFileByteBuf(RegisteredBufferTable table, EventExecutor loop, int slot, FileMappings.Mapping mapping,
                            long start, ByteBuffer memory) {
        super(memory, memory.capacity());
        int length = memory.capacity();
        this.memory = memory;
        this.table = table;
        this.loop = loop;
        this.slot = slot;
        this.mapping = mapping;
        this.start = start;
        writerIndex(length);
        makeReadOnly();
    }

    @Override
    void nioViewOut() {
        nioViewsOut = true;
    }

    @Override
    int slot() {
        return slot;
    }

    @Override
    RegisteredBufferTable table() {
        return table;
    }

    /** GET_BUF's buffer starts at address 0 of its slot. */
    @Override
    long slotAddress(long address) {
        return address - start;
    }

    @Override
    void giveBack() {
        if (nioViewsOut) {
            // the cleaner's action holds the mapping, never the buffer or the views it waits for
            UNMAPPER.register(memory, mapping::release);
        } else {
            mapping.release();
        }
        if (loop.inEventLoop()) {
            table.emptyLater(slot);
            return;
        }
        try {
            loop.execute(() -> table.emptyLater(slot));
        } catch (RejectedExecutionException e) {
            // the loop is gone and its ring with it: the kernel gave the pages back when the table went
        }
    }
}
