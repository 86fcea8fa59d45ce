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

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.FileChannel;
import java.nio.channels.ScatteringByteChannel;
import java.nio.charset.Charset;

/**
 * A direct buffer whose bytes a slot of one event loop's buffer table also holds, so that a getbuf channel of that
 * loop sends it with {@code IORING_OP_SEND_ZC} from the slot ({@code IORING_RECVSEND_FIXED_BUF}): no copy into the
 * socket. Its memory is not Netty's: subclasses give it back in {@link #deallocate()}. Its capacity is fixed. The
 * leak detector tracks it as it tracks pooled buffers, since a forgotten one holds a slot for good.
 *
 * <p>One can be made read-only ({@link #makeReadOnly}: file data, or file pages mapped read-only): then every method
 * that writes bytes throws {@link ReadOnlyBufferException}, and every view of it (slices, duplicates, retained ones)
 * is a {@link ReadOnlySlotView} that does the same. Netty's own read-only wrappers are not enough here: some of their
 * writes ({@code setCharSequence}, {@code writeZero}) go straight to {@link #memoryAddress()}, which for mapped file
 * pages crashes the JVM.
 */
abstract class SlotByteBuf extends UnpooledUnsafeDirectByteBuf {
    /** How deep {@link #rootOf} looks through wrappers (leak detection, slices, duplicates, read-only views). */
    private static final int MAX_UNWRAP = 8;
    private static final ResourceLeakDetector<ByteBuf> LEAKS =
            ResourceLeakDetectorFactory.instance().newResourceLeakDetector(ByteBuf.class);

    private final ResourceLeakTracker<ByteBuf> leak;
    private boolean readOnly;

    SlotByteBuf(ByteBuffer memory, int capacity) {
        super(ByteBufAllocator.DEFAULT, memory, capacity);
        leak = LEAKS.track(this);
    }

    /** From now on no byte of this buffer may change, through it or through any view of it. */
    final void makeReadOnly() {
        readOnly = true;
    }

    @Override
    public final boolean isReadOnly() {
        return readOnly;
    }

    private void checkWritable() {
        if (readOnly) {
            throw new ReadOnlyBufferException();
        }
    }

    @Override
    public final ByteBuf asReadOnly() {
        return readOnly ? this : super.asReadOnly();
    }

    @Override
    public final boolean isWritable() {
        return !readOnly && super.isWritable();
    }

    @Override
    public final boolean isWritable(int numBytes) {
        return !readOnly && super.isWritable(numBytes);
    }

    @Override
    public final int ensureWritable(int minWritableBytes, boolean force) {
        // 1: "not enough space and capacity may not grow", as for Netty's read-only buffers
        return readOnly ? 1 : super.ensureWritable(minWritableBytes, force);
    }

    /**
     * The other byte order: Netty's swapped view of a buffer with a memory address writes straight to the address; a
     * read-only buffer's swapped view writes through this buffer's methods instead, which refuse.
     */
    @Override
    @SuppressWarnings("deprecation")
    public final ByteBuf order(ByteOrder endianness) {
        if (!readOnly || endianness == order()) {
            return super.order(endianness);
        }
        return new io.netty.buffer.SwappedByteBuf(this);
    }

    @Override
    public final ByteBuf duplicate() {
        return readOnly ? new ReadOnlySlotView(super.duplicate()) : super.duplicate();
    }

    @Override
    public final ByteBuf retainedDuplicate() {
        return readOnly ? duplicate().retain() : super.retainedDuplicate();
    }

    @Override
    public final ByteBuf slice(int index, int length) {
        return readOnly ? new ReadOnlySlotView(super.slice(index, length)) : super.slice(index, length);
    }

    @Override
    public final ByteBuf retainedSlice(int index, int length) {
        return readOnly ? slice(index, length).retain() : super.retainedSlice(index, length);
    }

    /** An NIO view of the memory is handed out (it may outlive this buffer). */
    void nioViewOut() {
    }

    @Override
    public final ByteBuffer nioBuffer(int index, int length) {
        nioViewOut();
        ByteBuffer b = super.nioBuffer(index, length);
        return readOnly ? b.asReadOnlyBuffer() : b;
    }

    @Override
    public final ByteBuffer internalNioBuffer(int index, int length) {
        nioViewOut();
        ByteBuffer b = super.internalNioBuffer(index, length);
        return readOnly ? b.asReadOnlyBuffer() : b;
    }

    @Override
    public final ByteBuffer[] nioBuffers(int index, int length) {
        return new ByteBuffer[] {nioBuffer(index, length)};
    }

    // Every way to change a byte: each refuses once the buffer is read-only.

    @Override
    public int setBytes(int index, InputStream in, int length) throws IOException {
        checkWritable();
        return super.setBytes(index, in, length);
    }

    @Override
    public int setBytes(int index, FileChannel in, long position, int length) throws IOException {
        checkWritable();
        return super.setBytes(index, in, position, length);
    }

    @Override
    public int setBytes(int index, ScatteringByteChannel in, int length) throws IOException {
        checkWritable();
        return super.setBytes(index, in, length);
    }

    @Override
    public int setCharSequence(int index, CharSequence sequence, Charset charset) {
        checkWritable();
        return super.setCharSequence(index, sequence, charset);
    }

    @Override
    public int writeBytes(InputStream in, int length) throws IOException {
        checkWritable();
        return super.writeBytes(in, length);
    }

    @Override
    public int writeBytes(FileChannel in, long position, int length) throws IOException {
        checkWritable();
        return super.writeBytes(in, position, length);
    }

    @Override
    public int writeBytes(ScatteringByteChannel in, int length) throws IOException {
        checkWritable();
        return super.writeBytes(in, length);
    }

    @Override
    public int writeCharSequence(CharSequence sequence, Charset charset) {
        checkWritable();
        return super.writeCharSequence(sequence, charset);
    }

    @Override
    public ByteBuf discardReadBytes() {
        checkWritable();
        return super.discardReadBytes();
    }

    @Override
    public ByteBuf discardSomeReadBytes() {
        checkWritable();
        return super.discardSomeReadBytes();
    }

    @Override
    public ByteBuf ensureWritable(int minWritableBytes) {
        checkWritable();
        return super.ensureWritable(minWritableBytes);
    }

    @Override
    public ByteBuf setBoolean(int index, boolean value) {
        checkWritable();
        return super.setBoolean(index, value);
    }

    @Override
    public ByteBuf setByte(int index, int value) {
        checkWritable();
        return super.setByte(index, value);
    }

    @Override
    public ByteBuf setBytes(int index, byte[] src) {
        checkWritable();
        return super.setBytes(index, src);
    }

    @Override
    public ByteBuf setBytes(int index, byte[] src, int srcIndex, int length) {
        checkWritable();
        return super.setBytes(index, src, srcIndex, length);
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuf src) {
        checkWritable();
        return super.setBytes(index, src);
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuf src, int length) {
        checkWritable();
        return super.setBytes(index, src, length);
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuf src, int srcIndex, int length) {
        checkWritable();
        return super.setBytes(index, src, srcIndex, length);
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuffer src) {
        checkWritable();
        return super.setBytes(index, src);
    }

    @Override
    public ByteBuf setChar(int index, int value) {
        checkWritable();
        return super.setChar(index, value);
    }

    @Override
    public ByteBuf setDouble(int index, double value) {
        checkWritable();
        return super.setDouble(index, value);
    }

    @Override
    public ByteBuf setDoubleLE(int index, double value) {
        checkWritable();
        return super.setDoubleLE(index, value);
    }

    @Override
    public ByteBuf setFloat(int index, float value) {
        checkWritable();
        return super.setFloat(index, value);
    }

    @Override
    public ByteBuf setFloatLE(int index, float value) {
        checkWritable();
        return super.setFloatLE(index, value);
    }

    @Override
    public ByteBuf setInt(int index, int value) {
        checkWritable();
        return super.setInt(index, value);
    }

    @Override
    public ByteBuf setIntLE(int index, int value) {
        checkWritable();
        return super.setIntLE(index, value);
    }

    @Override
    public ByteBuf setLong(int index, long value) {
        checkWritable();
        return super.setLong(index, value);
    }

    @Override
    public ByteBuf setLongLE(int index, long value) {
        checkWritable();
        return super.setLongLE(index, value);
    }

    @Override
    public ByteBuf setMedium(int index, int value) {
        checkWritable();
        return super.setMedium(index, value);
    }

    @Override
    public ByteBuf setMediumLE(int index, int value) {
        checkWritable();
        return super.setMediumLE(index, value);
    }

    @Override
    public ByteBuf setShort(int index, int value) {
        checkWritable();
        return super.setShort(index, value);
    }

    @Override
    public ByteBuf setShortLE(int index, int value) {
        checkWritable();
        return super.setShortLE(index, value);
    }

    @Override
    public ByteBuf setZero(int index, int length) {
        checkWritable();
        return super.setZero(index, length);
    }

    @Override
    public ByteBuf writeBoolean(boolean value) {
        checkWritable();
        return super.writeBoolean(value);
    }

    @Override
    public ByteBuf writeByte(int value) {
        checkWritable();
        return super.writeByte(value);
    }

    @Override
    public ByteBuf writeBytes(byte[] src) {
        checkWritable();
        return super.writeBytes(src);
    }

    @Override
    public ByteBuf writeBytes(byte[] src, int srcIndex, int length) {
        checkWritable();
        return super.writeBytes(src, srcIndex, length);
    }

    @Override
    public ByteBuf writeBytes(ByteBuf src) {
        checkWritable();
        return super.writeBytes(src);
    }

    @Override
    public ByteBuf writeBytes(ByteBuf src, int length) {
        checkWritable();
        return super.writeBytes(src, length);
    }

    @Override
    public ByteBuf writeBytes(ByteBuf src, int srcIndex, int length) {
        checkWritable();
        return super.writeBytes(src, srcIndex, length);
    }

    @Override
    public ByteBuf writeBytes(ByteBuffer src) {
        checkWritable();
        return super.writeBytes(src);
    }

    @Override
    public ByteBuf writeChar(int value) {
        checkWritable();
        return super.writeChar(value);
    }

    @Override
    public ByteBuf writeDouble(double value) {
        checkWritable();
        return super.writeDouble(value);
    }

    @Override
    public ByteBuf writeDoubleLE(double value) {
        checkWritable();
        return super.writeDoubleLE(value);
    }

    @Override
    public ByteBuf writeFloat(float value) {
        checkWritable();
        return super.writeFloat(value);
    }

    @Override
    public ByteBuf writeFloatLE(float value) {
        checkWritable();
        return super.writeFloatLE(value);
    }

    @Override
    public ByteBuf writeInt(int value) {
        checkWritable();
        return super.writeInt(value);
    }

    @Override
    public ByteBuf writeIntLE(int value) {
        checkWritable();
        return super.writeIntLE(value);
    }

    @Override
    public ByteBuf writeLong(long value) {
        checkWritable();
        return super.writeLong(value);
    }

    @Override
    public ByteBuf writeLongLE(long value) {
        checkWritable();
        return super.writeLongLE(value);
    }

    @Override
    public ByteBuf writeMedium(int value) {
        checkWritable();
        return super.writeMedium(value);
    }

    @Override
    public ByteBuf writeMediumLE(int value) {
        checkWritable();
        return super.writeMediumLE(value);
    }

    @Override
    public ByteBuf writeShort(int value) {
        checkWritable();
        return super.writeShort(value);
    }

    @Override
    public ByteBuf writeShortLE(int value) {
        checkWritable();
        return super.writeShortLE(value);
    }

    @Override
    public ByteBuf writeZero(int length) {
        checkWritable();
        return super.writeZero(length);
    }

    @Override
    protected void _setByte(int index, int value) {
        checkWritable();
        super._setByte(index, value);
    }

    @Override
    protected void _setShort(int index, int value) {
        checkWritable();
        super._setShort(index, value);
    }

    @Override
    protected void _setShortLE(int index, int value) {
        checkWritable();
        super._setShortLE(index, value);
    }

    @Override
    protected void _setMedium(int index, int value) {
        checkWritable();
        super._setMedium(index, value);
    }

    @Override
    protected void _setMediumLE(int index, int value) {
        checkWritable();
        super._setMediumLE(index, value);
    }

    @Override
    protected void _setInt(int index, int value) {
        checkWritable();
        super._setInt(index, value);
    }

    @Override
    protected void _setIntLE(int index, int value) {
        checkWritable();
        super._setIntLE(index, value);
    }

    @Override
    protected void _setLong(int index, long value) {
        checkWritable();
        super._setLong(index, value);
    }

    @Override
    protected void _setLongLE(int index, long value) {
        checkWritable();
        super._setLongLE(index, value);
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
