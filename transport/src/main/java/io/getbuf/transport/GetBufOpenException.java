/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.FileNative;

import java.nio.file.FileSystemException;

/**
 * Why {@link GetBufDirectory#open(String, boolean)} (or {@link GetBufDirectory#open(java.nio.file.Path)}) could not
 * open a path: the {@code errno} of the system call and what it means for a server ({@link #kind()}).
 */
public final class GetBufOpenException extends FileSystemException {
    private static final long serialVersionUID = 1L;

    /** What a failure means, from its errno. */
    public enum Kind {
        /** Nothing by that name ({@code ENOENT}; {@code ENOTDIR}: a file where a directory was needed; a name too long). */
        NOT_FOUND,
        /** {@code EACCES} or {@code EPERM}. */
        ACCESS_DENIED,
        /** A symlink in the path, and symlinks are not followed ({@code ELOOP}; also too many links in a row). */
        SYMLINK,
        /** The path (through {@code ..} or a symlink) would lead out of the directory ({@code EXDEV}). */
        OUTSIDE,
        /** The process or the system has no descriptor left ({@code EMFILE}, {@code ENFILE}). */
        TOO_MANY_OPEN_FILES,
        /** It exists but cannot be opened for reading: a socket, a device without a driver ({@code ENXIO}, ...). */
        NOT_OPENABLE,
        /** Anything else. */
        OTHER
    }

    /** The (positive) errno of the failed call; serialized with the exception. */
    private final int errno;

    GetBufOpenException(String path, int errno, String reason) {
        super(path, null, reason + " (errno " + errno + ')');
        this.errno = errno;
    }

    /**
     * The (positive) errno of the failed call.
     *
     * @return the errno, e.g. 2 for {@code ENOENT}
     */
    public int errno() {
        return errno;
    }

    /**
     * {@return what the failure means for a server, from {@link #errno()}; {@link Kind#OTHER} for an errno not
     * listed}
     */
    public Kind kind() {
        switch (errno) {
            case FileNative.ENOENT:
            case FileNative.ENOTDIR:
            case FileNative.ENAMETOOLONG:
                return Kind.NOT_FOUND;
            case FileNative.EACCES:
            case FileNative.EPERM:
                return Kind.ACCESS_DENIED;
            case FileNative.ELOOP:
                return Kind.SYMLINK;
            case FileNative.EXDEV:
                return Kind.OUTSIDE;
            case FileNative.EMFILE:
            case FileNative.ENFILE:
                return Kind.TOO_MANY_OPEN_FILES;
            case FileNative.ENXIO:
            case FileNative.ENODEV:
            case FileNative.ETXTBSY:
                return Kind.NOT_OPENABLE;
            default:
                return Kind.OTHER;
        }
    }

    static String describe(int errno) {
        switch (errno) {
            case FileNative.ENOENT: return "no such file or directory";
            case FileNative.ENOTDIR: return "not a directory";
            case FileNative.ENAMETOOLONG: return "name too long";
            case FileNative.EACCES: return "permission denied";
            case FileNative.EPERM: return "operation not permitted";
            case FileNative.ELOOP: return "a symlink in the path (not followed)";
            case FileNative.EXDEV: return "the path leads out of the directory";
            case FileNative.EMFILE: return "too many open files (process)";
            case FileNative.ENFILE: return "too many open files (system)";
            case FileNative.ENXIO: return "no such device or address (a socket?)";
            case FileNative.ENODEV: return "no such device";
            case FileNative.EAGAIN: return "the directory changed during the lookup";
            case FileNative.EINVAL: return "invalid path";
            default: return "open failed";
        }
    }
}
