/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.FileNative;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A directory held open, beneath which paths are opened so that nothing in a path can lead out of it: not
 * {@code ..}, not a symlink (absolute, or relative and climbing out), not a directory renamed or swapped for a
 * symlink while the path is looked up. A static file server opens every request through one of these, then looks at
 * what it opened ({@link GetBufOpenFile}: type, size, times from {@code fstat} of that descriptor), instead of checking
 * a path and opening it afterwards.
 *
 * <p>On Linux 5.6+ a path is opened with one {@code openat2(dirfd, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC |
 * O_NOCTTY, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS [| RESOLVE_NO_SYMLINKS])}; on older kernels (or where seccomp
 * refuses openat2) by a walk of {@code openat(..., O_NOFOLLOW)} calls, one component at a time, that refuses or
 * follows symlinks itself with the same rules ({@link #usesOpenat2()} says which). {@code O_NONBLOCK} means opening a
 * FIFO never waits for a writer: look at {@link GetBufOpenFile#isRegularFile()} before reading.
 *
 * <p>Needs the transport's JNI library (Linux x86_64), not io_uring: it works under any Netty transport. Thread-safe;
 * {@link #close()} waits for no one: opens in progress keep the descriptor until they return.
 */
public final class GetBufDirectory implements Closeable {
    /** {@code -Dio.getbuf.transport.openat2=false} makes directories opened afterwards use the openat walk. */
    static final String OPENAT2_PROPERTY = "io.getbuf.transport.openat2";

    private static final class Openat2 {
        static final boolean SUPPORTED = FileNative.openat2Supported() == 1;
    }

    private final Path path;
    private final int fd;
    private final boolean openat2;
    private final AtomicInteger users = new AtomicInteger(1); // the directory's own, plus each open in progress
    private final AtomicBoolean closed = new AtomicBoolean();

    private GetBufDirectory(Path path, int fd, boolean openat2) {
        this.path = path;
        this.fd = fd;
        this.openat2 = openat2;
    }

    /**
     * Opens {@code directory} ({@code O_RDONLY | O_DIRECTORY}). Fails with {@link GetBufOpenException} (not a
     * directory: {@code ENOTDIR}, {@link GetBufOpenException.Kind#NOT_FOUND}), or an IOException when the JNI library
     * cannot be loaded here.
     *
     * @param directory the directory to open beneath, made absolute against the working directory; symlinks on the
     *                  way to it are followed (only paths opened beneath it are held inside)
     * @return the open directory, which the caller closes
     * @throws GetBufOpenException if {@code directory} cannot be opened as a directory
     *                             ({@link GetBufOpenException#kind()} says why)
     * @throws IOException         if getbuf's native library cannot be loaded here
     */
    public static GetBufDirectory open(Path directory) throws IOException {
        Throwable unavailable = FileNative.loadFailure();
        if (unavailable != null) {
            throw new IOException("getbuf's native library cannot be loaded: " + unavailable, unavailable);
        }
        Path absolute = directory.toAbsolutePath();
        // the bytes Java would pass for this path: the JVM's file name encoding
        byte[] bytes = absolute.toString().getBytes(fileNameCharset());
        int fd = FileNative.openDirectory(bytes);
        if (fd < 0) {
            throw new GetBufOpenException(absolute.toString(), -fd, GetBufOpenException.describe(-fd));
        }
        boolean useOpenat2 = !"false".equals(System.getProperty(OPENAT2_PROPERTY)) && Openat2.SUPPORTED;
        return new GetBufDirectory(absolute, fd, useOpenat2);
    }

    private static Charset fileNameCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name == null ? Charset.defaultCharset() : Charset.forName(name);
        } catch (IllegalArgumentException e) {
            return Charset.defaultCharset();
        }
    }

    /**
     * Whether this kernel lets getbuf use {@code openat2(2)} (else the openat walk is used).
     *
     * @return true when the native library is loaded and a trial {@code openat2} worked (Linux 5.6+, not refused by
     *         seccomp); false otherwise
     */
    public static boolean isOpenat2Supported() {
        return FileNative.loadFailure() == null && Openat2.SUPPORTED;
    }

    /**
     * Whether this directory's opens use {@code openat2(2)} (true) or the {@code openat} walk.
     *
     * @return true for {@code openat2}: the kernel has it and {@code -Dio.getbuf.transport.openat2=false} was not set
     *         when this directory was opened
     */
    public boolean usesOpenat2() {
        return openat2;
    }

    /**
     * The directory's path as given (made absolute); what it names now may be another directory.
     *
     * @return the absolute path this directory was opened by
     */
    public Path path() {
        return path;
    }

    /**
     * Opens {@code relativePath} (components separated by {@code /}, UTF-8 whatever the JVM's locale; empty for the
     * directory itself) beneath this directory for reading, without blocking (a FIFO), and fstats what it opened.
     * With {@code followSymlinks} false a symlink anywhere in the path fails the open
     * ({@link GetBufOpenException.Kind#SYMLINK}); with true, symlinks are followed as long as they stay beneath the
     * directory ({@link GetBufOpenException.Kind#OUTSIDE} otherwise, as for an absolute path or a {@code ..} that
     * climbs out). Magic links ({@code /proc}) are never followed. The caller owns (and closes) what is returned.
     *
     * @param relativePath   the path beneath this directory, {@code /}-separated, or empty for the directory itself
     * @param followSymlinks true to follow symlinks that stay beneath the directory, false to refuse any symlink
     * @return the open file (or directory) and what fstat said of it
     * @throws GetBufOpenException if the path cannot be opened: {@link GetBufOpenException#kind()} says why (not
     *                             found, access denied, a symlink refused, a way out of the directory, ...)
     * @throws IOException         if this directory is closed
     */
    public GetBufOpenFile open(String relativePath, boolean followSymlinks) throws IOException {
        if (!retain()) {
            throw new IOException("the directory " + path + " is closed");
        }
        try {
            byte[] bytes = relativePath.isEmpty() ? new byte[] {'.'} : relativePath.getBytes(StandardCharsets.UTF_8);
            long[] stat = new long[FileNative.STAT_LENGTH];
            int file = FileNative.openBeneath(fd, bytes, followSymlinks, openat2, stat);
            if (file < 0) {
                throw new GetBufOpenException(relativePath, -file, GetBufOpenException.describe(-file));
            }
            return new GetBufOpenFile(file, stat);
        } finally {
            release();
        }
    }

    private boolean retain() {
        for (;;) {
            int n = users.get();
            if (n == 0) {
                return false;
            }
            if (users.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    private void release() {
        if (users.decrementAndGet() == 0) {
            io.getbuf.transport.internal.Native.close(fd);
        }
    }

    /** Closes the directory's descriptor (once the opens in progress have returned). Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            release();
        }
    }

    @Override
    public String toString() {
        return "GetBufDirectory(" + path + (openat2 ? ", openat2" : ", openat walk") + ')';
    }
}
