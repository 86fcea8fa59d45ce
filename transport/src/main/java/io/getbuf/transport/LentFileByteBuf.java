/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.FileChannel;
import java.nio.channels.ScatteringByteChannel;
import java.util.concurrent.RejectedExecutionException;

/**
 * A range of a file's page-cache pages, lent by {@code IORING_OP_GET_BUF} into a slot of one loop's table, and read by
 * Java through a read-only shared mapping of the same range (the same pages, no copy). Read-only: every write throws
 * {@link ReadOnlyBufferException} (a write through the mapping would fault). At refcount 0 the mapping goes and the
 * slot is emptied at the loop's next batch of table updates, and the kernel gives the pages back to the file.
 */
final class LentFileByteBuf extends SlotByteBuf {
    private final RegisteredBufferTable table;
    private final EventExecutor loop;
    private final int slot;
    private final long mapping;
    private final long mappingLength;
    private final long start;

    /**
     * @param mapping       the read-only mapping's address (page aligned) and length, which this buffer now owns
     * @param start         the address of the range's first byte in the mapping (slot address 0)
     */
    LentFileByteBuf(RegisteredBufferTable table, EventExecutor loop, int slot, long mapping, long mappingLength,
                    long start, int length) {
        super(Native.directBuffer(start, length), length);
        this.table = table;
        this.loop = loop;
        this.slot = slot;
        this.mapping = mapping;
        this.mappingLength = mappingLength;
        this.start = start;
        writerIndex(length);
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
        Native.munmap(mapping, mappingLength);
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

    @Override
    public boolean isReadOnly() {
        return true;
    }

    @Override
    public ByteBuf asReadOnly() {
        return this;
    }

    @Override
    public boolean isWritable() {
        return false;
    }

    @Override
    public boolean isWritable(int numBytes) {
        return false;
    }

    @Override
    public ByteBuf ensureWritable(int minWritableBytes) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public int ensureWritable(int minWritableBytes, boolean force) {
        return 1; // "not enough space and capacity may not grow", as for Netty's read-only buffers
    }

    @Override
    public ByteBuffer nioBuffer(int index, int length) {
        return super.nioBuffer(index, length).asReadOnlyBuffer();
    }

    @Override
    public ByteBuffer internalNioBuffer(int index, int length) {
        return super.internalNioBuffer(index, length).asReadOnlyBuffer();
    }

    @Override
    public ByteBuffer[] nioBuffers(int index, int length) {
        return new ByteBuffer[] {nioBuffer(index, length)};
    }

    // Every way to change a byte, whether called on this buffer or on a slice or duplicate of it.

    @Override
    public ByteBuf setByte(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    protected void _setByte(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setShort(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setShortLE(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    protected void _setShort(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    protected void _setShortLE(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setMedium(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setMediumLE(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    protected void _setMedium(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    protected void _setMediumLE(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setInt(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setIntLE(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    protected void _setInt(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    protected void _setIntLE(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setLong(int index, long value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setLongLE(int index, long value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    protected void _setLong(int index, long value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    protected void _setLongLE(int index, long value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuf src, int srcIndex, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setBytes(int index, byte[] src, int srcIndex, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuffer src) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public int setBytes(int index, InputStream in, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public int setBytes(int index, ScatteringByteChannel in, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public int setBytes(int index, FileChannel in, long position, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setZero(int index, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeZero(int length) {
        throw new ReadOnlyBufferException();
    }
}
