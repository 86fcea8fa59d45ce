/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.buffer.ByteBuf;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.FileChannel;
import java.nio.channels.ScatteringByteChannel;
import java.nio.charset.Charset;

/**
 * A view (slice, duplicate) of a read-only {@link SlotByteBuf}: reads go to the derived buffer it wraps, which still
 * has the slot's memory address (so a getbuf channel sends it without a copy), and every write throws
 * {@link ReadOnlyBufferException}, including those Netty's {@code ReadOnlyByteBuf} leaves to code that writes straight
 * to the memory address. Its own views are views of the same kind.
 */
@SuppressWarnings("deprecation") // ReadOnlyByteBuf: the read side, and the derived-buffer plumbing, are what we need
final class ReadOnlySlotView extends io.netty.buffer.ReadOnlyByteBuf {
    ReadOnlySlotView(ByteBuf derived) {
        super(derived);
    }

    @Override
    public ByteBuf asReadOnly() {
        return this;
    }

    /** See {@link SlotByteBuf#order(ByteOrder)}. */
    @Override
    public ByteBuf order(ByteOrder endianness) {
        return endianness == order() ? this : new io.netty.buffer.SwappedByteBuf(this);
    }

    @Override
    public ByteBuf duplicate() {
        ReadOnlySlotView d = new ReadOnlySlotView(unwrap().duplicate());
        d.setIndex(readerIndex(), writerIndex());
        return d;
    }

    @Override
    public ByteBuf retainedDuplicate() {
        return duplicate().retain();
    }

    @Override
    public ByteBuf slice(int index, int length) {
        return new ReadOnlySlotView(unwrap().slice(index, length));
    }

    @Override
    public ByteBuf retainedSlice(int index, int length) {
        return slice(index, length).retain();
    }

    @Override
    public ByteBuffer nioBuffer(int index, int length) {
        return unwrap().nioBuffer(index, length).asReadOnlyBuffer();
    }

    @Override
    public ByteBuffer internalNioBuffer(int index, int length) {
        return nioBuffer(index, length);
    }

    @Override
    public ByteBuffer[] nioBuffers(int index, int length) {
        return new ByteBuffer[] {nioBuffer(index, length)};
    }

    @Override
    public int setBytes(int index, InputStream in, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public int setBytes(int index, FileChannel in, long position, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public int setBytes(int index, ScatteringByteChannel in, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public int setCharSequence(int index, CharSequence sequence, Charset charset) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public int writeBytes(InputStream in, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public int writeBytes(FileChannel in, long position, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public int writeBytes(ScatteringByteChannel in, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public int writeCharSequence(CharSequence sequence, Charset charset) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf discardReadBytes() {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf discardSomeReadBytes() {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf ensureWritable(int minWritableBytes) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setBoolean(int index, boolean value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setByte(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setBytes(int index, byte[] src) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setBytes(int index, byte[] src, int srcIndex, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuf src) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuf src, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuf src, int srcIndex, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuffer src) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setChar(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setDouble(int index, double value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setDoubleLE(int index, double value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setFloat(int index, float value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setFloatLE(int index, float value) {
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
    public ByteBuf setLong(int index, long value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setLongLE(int index, long value) {
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
    public ByteBuf setShort(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setShortLE(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf setZero(int index, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeBoolean(boolean value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeByte(int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeBytes(byte[] src) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeBytes(byte[] src, int srcIndex, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeBytes(ByteBuf src) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeBytes(ByteBuf src, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeBytes(ByteBuf src, int srcIndex, int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeBytes(ByteBuffer src) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeChar(int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeDouble(double value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeDoubleLE(double value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeFloat(float value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeFloatLE(float value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeInt(int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeIntLE(int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeLong(long value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeLongLE(long value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeMedium(int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeMediumLE(int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeShort(int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeShortLE(int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    public ByteBuf writeZero(int length) {
        throw new ReadOnlyBufferException();
    }

    @Override
    protected void _setByte(int index, int value) {
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
    protected void _setMedium(int index, int value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    protected void _setMediumLE(int index, int value) {
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
    protected void _setLong(int index, long value) {
        throw new ReadOnlyBufferException();
    }

    @Override
    protected void _setLongLE(int index, long value) {
        throw new ReadOnlyBufferException();
    }
}
