/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.internal;

import java.io.FileDescriptor;

/**
 * The JNI surface of {@code transport-native/src/main/c/getbuf_files.c}: opening beneath a directory descriptor
 * ({@code openat2} with {@code RESOLVE_BENEATH}, or a walk of {@code openat} calls where the kernel has no openat2),
 * {@code fstat}, and directory listing. Every call returns its result or {@code -errno}.
 */
public final class FileNative {
    // the long[] a stat is returned in (getbuf_files.c)
    public static final int STAT_MODE = 0;
    public static final int STAT_SIZE = 1;
    public static final int STAT_MTIME_SEC = 2;
    public static final int STAT_MTIME_NSEC = 3;
    public static final int STAT_CTIME_SEC = 4;
    public static final int STAT_CTIME_NSEC = 5;
    public static final int STAT_INO = 6;
    public static final int STAT_DEV = 7;
    public static final int STAT_NLINK = 8;
    public static final int STAT_LENGTH = 9;

    public static final int S_IFMT = 0170000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFDIR = 0040000;

    public static final int ENOENT = 2;
    public static final int EPERM = 1;
    public static final int ENXIO = 6;
    public static final int EAGAIN = 11;
    public static final int EACCES = 13;
    public static final int EXDEV = 18;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ETXTBSY = 26;
    public static final int ENAMETOOLONG = 36;
    public static final int ELOOP = 40;
    public static final int EINVAL = 22;

    private FileNative() {
    }

    /** Loads the library (the natives are registered by its JNI_OnLoad); null when it loaded, else why not. */
    public static Throwable loadFailure() {
        return Native.loadFailure();
    }

    /** {@code open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)}. */
    public static native int openDirectory(byte[] path);

    /**
     * Opens {@code path} beneath {@code dirFd} with {@code O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY} and fstats
     * it into {@code stat}: the descriptor, or -errno ({@code ELOOP} a symlink refused, {@code EXDEV} the path would
     * lead out). {@code openat2}: with openat2(2), else by the openat walk.
     */
    public static native int openBeneath(int dirFd, byte[] path, boolean followSymlinks, boolean openat2,
                                         long[] stat);

    public static native int fstat(int fd, long[] stat);

    /** 1 when openat2(2) works here, 0 when the kernel (or seccomp) refuses it, else -errno of the probe. */
    public static native int openat2Supported();

    /** A FileDescriptor that owns {@code fd} (closing a stream or channel made of it closes fd). */
    public static native FileDescriptor fileDescriptor(int fd);

    /**
     * The entries of the directory open as {@code fd}: per entry a type byte ({@code 'd'}, {@code 'f'},
     * {@code 'l'}, {@code '?'}) and the name, NUL-terminated. Null on failure, with -errno in {@code error[0]}.
     */
    public static native byte[] listDirectory(int fd, int[] error);
}
