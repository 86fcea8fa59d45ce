/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.FileNative;

import java.io.Closeable;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * A file (or directory) opened by {@link GetBufDirectory#open(String, boolean)}, and what {@code fstat} of that very
 * descriptor said when it was opened: type, size, modification and change times, inode and device. What a server
 * says about a file (length, validators) and the bytes it sends can so come from the same file, whatever happens to
 * its name meanwhile. {@link #channel()} reads it, and is what a {@code DefaultFileRegion} is made of; every getbuf
 * file-send strategy, and Netty's other transports, send such a region as any other.
 *
 * <p>Owns its descriptor: {@link #close()} (or closing the channel) closes it. Not for writing.
 */
public final class GetBufOpenFile implements Closeable {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final int fd;
    private final FileChannel channel;
    private final long[] stat;

    GetBufOpenFile(int fd, long[] stat) throws IOException {
        this.fd = fd;
        this.stat = stat;
        FileChannel ch = null;
        try {
            ch = new FileInputStream(FileNative.fileDescriptor(fd)).getChannel();
        } finally {
            if (ch == null) {
                io.getbuf.transport.internal.Native.close(fd);
            }
        }
        channel = ch;
    }

    /**
     * The open file as a channel for reading (positional reads, {@code DefaultFileRegion}); closing it closes this.
     *
     * @return the file's channel, the same one at every call; writes to it fail
     */
    public FileChannel channel() {
        return channel;
    }

    /** {@return whether the descriptor is still open: neither this nor its {@link #channel()} was closed} */
    public boolean isOpen() {
        return channel.isOpen();
    }

    /**
     * Once closed, the descriptor number is the next open's: whatever it named then, it is not this file. (A close
     * from another thread while a call is under way is the caller's race, as with any descriptor.)
     */
    private void ensureOpen() throws ClosedChannelException {
        if (!channel.isOpen()) {
            throw new ClosedChannelException();
        }
    }

    private long type() {
        return stat[FileNative.STAT_MODE] & FileNative.S_IFMT;
    }

    /**
     * A regular file: not a directory, FIFO, device, socket (symlinks are never what was opened).
     *
     * @return whether what was opened is a regular file, by its {@code st_mode} at the open
     */
    public boolean isRegularFile() {
        return type() == FileNative.S_IFREG;
    }

    /** {@return whether what was opened is a directory, by its {@code st_mode} at the open} */
    public boolean isDirectory() {
        return type() == FileNative.S_IFDIR;
    }

    /**
     * {@code st_mode}: type and permission bits.
     *
     * @return {@code st_mode} as fstat gave it at the open: the type ({@code S_IFMT} bits) and the permission bits
     */
    public int mode() {
        return (int) stat[FileNative.STAT_MODE];
    }

    /**
     * Bytes, as fstat said at the open.
     *
     * @return the size in bytes at the open; the file may have grown or shrunk since (see {@link #refresh()})
     */
    public long size() {
        return stat[FileNative.STAT_SIZE];
    }

    /**
     * Modification time in nanoseconds since the epoch.
     *
     * @return {@code st_mtime} at the open, in nanoseconds since 1970-01-01T00:00:00Z
     */
    public long lastModifiedNanos() {
        return stat[FileNative.STAT_MTIME_SEC] * NANOS_PER_SECOND + stat[FileNative.STAT_MTIME_NSEC];
    }

    /**
     * Status change time ({@code st_ctime}) in nanoseconds since the epoch: moves with every write and rename.
     *
     * @return {@code st_ctime} at the open, in nanoseconds since 1970-01-01T00:00:00Z
     */
    public long changedNanos() {
        return stat[FileNative.STAT_CTIME_SEC] * NANOS_PER_SECOND + stat[FileNative.STAT_CTIME_NSEC];
    }

    /** {@return the inode number ({@code st_ino}): with {@link #device()}, what names the file whatever its path} */
    public long inode() {
        return stat[FileNative.STAT_INO];
    }

    /** {@return the device of the file system the file is on ({@code st_dev}), as the kernel numbers it} */
    public long device() {
        return stat[FileNative.STAT_DEV];
    }

    /**
     * Hard links at the open; 0 once the file was deleted (as {@link #refresh()} then says).
     *
     * @return {@code st_nlink} at the open
     */
    public long links() {
        return stat[FileNative.STAT_NLINK];
    }

    /**
     * Whether {@code other} is the same file (device, inode) in the same state: size, modification and change times
     * equal. Two opens of one path that agree here saw the same version of the same file.
     *
     * @param other another open file (not {@code null}); it may be closed
     * @return true when device, inode, size, modification and change times all match, as each fstat saw them
     */
    public boolean isSameVersion(GetBufOpenFile other) {
        return device() == other.device() && inode() == other.inode() && size() == other.size()
                && lastModifiedNanos() == other.lastModifiedNanos() && changedNanos() == other.changedNanos();
    }

    /**
     * fstat of the descriptor now: true when size, times and links are still those seen at the open (the file was
     * not written, truncated or deleted since), false otherwise.
     *
     * @return true when the file is as it was at the open, false when it was changed or deleted since
     * @throws IOException a {@link GetBufOpenException} with its errno when fstat fails; a
     *                     {@link ClosedChannelException} once this is closed
     */
    public boolean refresh() throws IOException {
        ensureOpen();
        long[] now = new long[FileNative.STAT_LENGTH];
        int res = FileNative.fstat(fd, now);
        if (res < 0) {
            throw new GetBufOpenException(String.valueOf(fd), -res, GetBufOpenException.describe(-res));
        }
        return now[FileNative.STAT_SIZE] == size() && now[FileNative.STAT_MTIME_SEC] == stat[FileNative.STAT_MTIME_SEC]
                && now[FileNative.STAT_MTIME_NSEC] == stat[FileNative.STAT_MTIME_NSEC]
                && now[FileNative.STAT_CTIME_SEC] == stat[FileNative.STAT_CTIME_SEC]
                && now[FileNative.STAT_CTIME_NSEC] == stat[FileNative.STAT_CTIME_NSEC]
                && now[FileNative.STAT_NLINK] != 0;
    }

    /**
     * A directory's entries (this very directory, read through a descriptor of its own), without {@code .} and
     * {@code ..}; the names of subdirectories end in {@code /} (symlinks do not, whatever they point to). Names that
     * are not valid UTF-8 are left out. Unsorted.
     *
     * @return the names of the entries, a new list the caller may change; empty for an empty directory
     * @throws IOException a {@link GetBufOpenException} when the directory cannot be read, {@code ENOTDIR} when this
     *                     is not a directory; a {@link ClosedChannelException} once this is closed
     */
    public List<String> list() throws IOException {
        ensureOpen();
        int[] error = new int[1];
        byte[] entries = FileNative.listDirectory(fd, error);
        if (entries == null) {
            throw new GetBufOpenException(String.valueOf(fd), -error[0], GetBufOpenException.describe(-error[0]));
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < entries.length; ) {
            byte type = entries[i++];
            int end = i;
            while (entries[end] != 0) {
                end++;
            }
            try {
                String name = utf8.decode(ByteBuffer.wrap(entries, i, end - i)).toString();
                names.add(type == 'd' ? name + '/' : name);
            } catch (CharacterCodingException e) {
                // no request could name it
            }
            i = end + 1;
        }
        return names;
    }

    /**
     * Where the kernel says the open file is now ({@code /proc/self/fd}); it may have moved since the open.
     *
     * @return the absolute path the kernel has for the file now; for a deleted file it ends in {@code " (deleted)"}
     * @throws IOException if the link cannot be read (no {@code /proc} mounted); a {@link ClosedChannelException} once
     *                     this is closed
     */
    public Path realPath() throws IOException {
        ensureOpen();
        return Files.readSymbolicLink(Paths.get("/proc/self/fd/" + fd));
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "GetBufOpenFile(fd " + fd + ", inode " + inode() + ", " + size() + " bytes"
                + (isRegularFile() ? "" : isDirectory() ? ", directory" : ", not a regular file") + ')';
    }
}
