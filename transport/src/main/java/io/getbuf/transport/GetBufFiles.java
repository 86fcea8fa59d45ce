/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.unix.Errors;
import io.netty.util.concurrent.Future;
import io.netty.util.internal.ObjectUtil;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * File data as {@link ByteBuf}s that a getbuf channel sends without a copy.
 *
 * <p>{@link #read(EventLoop, FileChannel, long, int) read} returns a read-only buffer of a range of a file. Where the
 * kernel has {@code IORING_OP_GET_BUF} (getbuf's kernel patch) and the file's file system lends pages (tmpfs, ext4,
 * xfs, ...), the buffer <em>is</em> the file's page-cache pages: the kernel lends them to a slot of the loop's buffer
 * table, Java reads them through a read-only shared mapping of the same range, and a getbuf channel of the same loop
 * sends them with {@code IORING_OP_SEND_ZC} from the slot, without a copy. Elsewhere (a stock kernel, a file system
 * without a provider, remembered per file system) the range is read with {@code IORING_OP_READ_FIXED} into a registered
 * buffer, which is sent the same way: the same API and lifecycle, one copy fewer than a heap read.
 * {@link GetBufIoHandler#fileSendStats(EventLoop)} counts the reads per way ({@link GetBufFileSendStats#reads}).
 * Reads of the same file share the loop's cached read-only mappings of it (2 MiB windows; see
 * {@link GetBufFileSendStats#readMappingsReused}); a cached window keeps its file, even a deleted one, referenced until
 * it has been idle for a second or two, or the loop ends.
 *
 * <p>The buffer's lifecycle:
 * <ul>
 * <li>Writes into it throw {@link java.nio.ReadOnlyBufferException}; it cannot grow.</li>
 * <li>Written to a getbuf channel of the same loop it is sent without a copy; the channel holds a reference until the
 * kernel's notification says the socket is done with the pages, so it may be released as soon as the write is
 * issued.</li>
 * <li>Written to any other channel (another loop, another transport) it is copied, as any direct buffer.</li>
 * <li>At refcount 0 (after the notification of every send in flight) its slot is emptied and the kernel gives the
 * pages back to the file. It holds a slot until then: with every slot held (see
 * {@link GetBufIoHandlerConfig#setRegisteredBuffers}) a read waits for a release (back-pressure). The leak detector
 * tracks these buffers.</li>
 * <li>It is a snapshot only as far as the page cache is: bytes overwritten in the file while the buffer is held may
 * show through. A lent buffer's pages stay valid when the file is truncated and are still sent whole, but Java reads
 * them through the mapping, and reading a part the file no longer covers faults: the JVM raises an
 * {@link InternalError}, possibly a few instructions later (as for a {@link java.nio.MappedByteBuffer}). Do not read
 * a range that may be truncated meanwhile from Java.</li>
 * </ul>
 */
public final class GetBufFiles {
    /** The kernel's limit for one GET_BUF and one registered buffer. */
    public static final int MAX_LENGTH = 1 << 30;

    private GetBufFiles() {
    }

    /**
     * Up to {@code length} bytes of {@code file} from {@code offset}, as a read-only buffer for {@code loop}'s
     * channels; fewer at the end of the file, none (an empty buffer) at or after it. The caller keeps {@code file}
     * (the read uses a duplicate of its descriptor, closed when the read is over). Callable from any thread.
     *
     * @param loop   the getbuf event loop whose channels send the buffer without a copy
     * @param file   an open file channel of the JDK ({@code FileChannel.open}, {@code FileInputStream.getChannel()},
     *               {@link GetBufOpenFile#channel()}); its position is neither used nor moved
     * @param offset where in the file the range starts, in bytes, at least 0
     * @param length the most bytes to read, 1 to {@link #MAX_LENGTH}
     * @return a future, completed on {@code loop}, with a read-only buffer of the bytes read (empty at or after the
     *         end of the file) that the caller owns and must release; it fails with an {@link IOException} when the
     *         kernel fails the read, or an {@link IllegalStateException} when the loop is shut down or has no
     *         registered-buffer table
     * @throws IllegalArgumentException if {@code loop} is not a live getbuf event loop, {@code offset} is negative or
     *                                  {@code length} is not 1..{@link #MAX_LENGTH}
     * @throws IOException              if {@code file} is closed or not the JDK's own file channel, or its descriptor
     *                                  cannot be duplicated (no descriptor left)
     */
    public static Future<ByteBuf> read(EventLoop loop, FileChannel file, long offset, int length) throws IOException {
        return read(readsOf(loop, offset, length), file, offset, length);
    }

    private static Future<ByteBuf> read(FileReads reads, FileChannel file, long offset, int length)
            throws IOException {
        ObjectUtil.checkNotNull(file, "file");
        int fd = Native.fileChannelFd(file);
        if (fd < 0 || !file.isOpen()) {
            throw new IOException("not an open file channel of the JDK: " + file);
        }
        int dup = Native.dup(fd);
        if (dup < 0) {
            throw Errors.newIOException("dup", dup);
        }
        return reads.read(dup, offset, length);
    }

    /**
     * As {@link #read(EventLoop, FileChannel, long, int)}, for the file at {@code path} (opened read-only in the
     * calling thread and closed when the read is over).
     *
     * @param loop   the getbuf event loop whose channels send the buffer without a copy
     * @param path   the file to read
     * @param offset where in the file the range starts, in bytes, at least 0
     * @param length the most bytes to read, 1 to {@link #MAX_LENGTH}
     * @return a future of the buffer, as {@link #read(EventLoop, FileChannel, long, int)}'s
     * @throws IllegalArgumentException if {@code loop} is not a live getbuf event loop, {@code offset} is negative or
     *                                  {@code length} is not 1..{@link #MAX_LENGTH} (checked before {@code path} is
     *                                  opened)
     * @throws IOException              if {@code path} cannot be opened for reading
     *                                  ({@link java.nio.file.NoSuchFileException},
     *                                  {@link java.nio.file.AccessDeniedException}, ...), or no descriptor is left
     */
    public static Future<ByteBuf> read(EventLoop loop, Path path, long offset, int length) throws IOException {
        FileReads reads = readsOf(loop, offset, length); // bad arguments fail before anything is opened
        try (FileChannel file = FileChannel.open(path, StandardOpenOption.READ)) {
            return read(reads, file, offset, length);
        }
    }

    /**
     * As {@link #read(EventLoop, FileChannel, long, int)} for {@code channel}'s event loop.
     *
     * @param channel a getbuf channel registered with its event loop: the buffer is for that loop's channels
     * @param file    an open file channel of the JDK
     * @param offset  where in the file the range starts, in bytes, at least 0
     * @param length  the most bytes to read, 1 to {@link #MAX_LENGTH}
     * @return a future of the buffer, as {@link #read(EventLoop, FileChannel, long, int)}'s
     * @throws IllegalStateException    if {@code channel} is not registered with an event loop
     * @throws IllegalArgumentException as {@link #read(EventLoop, FileChannel, long, int)}
     * @throws IOException              as {@link #read(EventLoop, FileChannel, long, int)}
     */
    public static Future<ByteBuf> read(Channel channel, FileChannel file, long offset, int length)
            throws IOException {
        return read(channel.eventLoop(), file, offset, length);
    }

    /**
     * As {@link #read(EventLoop, Path, long, int)} for {@code channel}'s event loop.
     *
     * @param channel a getbuf channel registered with its event loop: the buffer is for that loop's channels
     * @param path    the file to read
     * @param offset  where in the file the range starts, in bytes, at least 0
     * @param length  the most bytes to read, 1 to {@link #MAX_LENGTH}
     * @return a future of the buffer, as {@link #read(EventLoop, FileChannel, long, int)}'s
     * @throws IllegalStateException    if {@code channel} is not registered with an event loop
     * @throws IllegalArgumentException as {@link #read(EventLoop, Path, long, int)}
     * @throws IOException              as {@link #read(EventLoop, Path, long, int)}
     */
    public static Future<ByteBuf> read(Channel channel, Path path, long offset, int length) throws IOException {
        return read(channel.eventLoop(), path, offset, length);
    }

    private static FileReads readsOf(EventLoop loop, long offset, int length) {
        ObjectUtil.checkNotNull(loop, "loop");
        if (offset < 0) {
            throw new IllegalArgumentException("offset " + offset + " (expected >= 0)");
        }
        if (length <= 0 || length > MAX_LENGTH) {
            throw new IllegalArgumentException("length " + length + " (expected 1.." + MAX_LENGTH + ')');
        }
        GetBufIoHandler handler = GetBufIoHandler.handlerOf(loop);
        if (handler == null) {
            throw new IllegalArgumentException(loop + " is not a live getbuf event loop");
        }
        return handler.fileReads();
    }
}
