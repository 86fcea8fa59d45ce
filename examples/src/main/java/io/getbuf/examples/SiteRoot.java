/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.getbuf.transport.GetBufDirectory;
import io.getbuf.transport.GetBufOpenException;
import io.getbuf.transport.GetBufOpenFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * The directory served, held open, and the only way to a file: every request's path is opened beneath it
 * ({@link GetBufDirectory}: openat2 with RESOLVE_BENEATH, non-blocking), never checked and then opened by name. By
 * default a symlink anywhere in a path is refused (as nginx's {@code disable_symlinks on}); with
 * {@code followSymlinks} symlinks are followed as long as they stay beneath the root. Hidden (dot) names are refused
 * by the caller before anything is opened, and, where symlinks are followed, also in the path the kernel reports
 * for what was opened (a symlink to {@code .git/config} is as hidden as the name).
 */
final class SiteRoot implements AutoCloseable {
    private static final char HIDDEN_PREFIX = '.';

    private final GetBufDirectory directory;
    private final Path realRoot;
    private final boolean followSymlinks;

    SiteRoot(Path root, boolean followSymlinks) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new NotDirectoryException(root.toString());
        }
        this.realRoot = root.toRealPath();
        this.directory = GetBufDirectory.open(realRoot);
        this.followSymlinks = followSymlinks;
    }

    Path path() {
        return realRoot;
    }

    boolean followsSymlinks() {
        return followSymlinks;
    }

    /** Whether paths are opened with openat2 (else the openat walk of older kernels). */
    boolean usesOpenat2() {
        return directory.usesOpenat2();
    }

    /**
     * Opens {@code relativePath} (segments joined by '/', none hidden, empty for the root) beneath the root: what
     * was opened, with its fstat. A refusal is a {@link GetBufOpenException} whose kind says why; a hidden name
     * reached through symlinks is a NOT_FOUND.
     */
    GetBufOpenFile open(String relativePath) throws IOException {
        GetBufOpenFile file = directory.open(relativePath, followSymlinks);
        if (followSymlinks && reachesHiddenName(file)) {
            file.close();
            throw new HiddenNameException(relativePath);
        }
        return file;
    }

    private boolean reachesHiddenName(GetBufOpenFile file) throws IOException {
        Path real = file.realPath();
        if (!real.startsWith(realRoot)) {
            return false; // renamed away since: it was beneath the root when opened, which is what counts
        }
        for (Path name : realRoot.relativize(real)) {
            if (isHidden(name.toString())) {
                return true;
            }
        }
        return false;
    }

    /** What a hidden name is refused with: as if absent. */
    static final class HiddenNameException extends IOException {
        private static final long serialVersionUID = 1L;

        HiddenNameException(String path) {
            super(path + ": a hidden name", null);
        }
    }

    static boolean isHidden(String name) {
        return !name.isEmpty() && name.charAt(0) == HIDDEN_PREFIX;
    }

    @Override
    public void close() {
        directory.close();
    }
}
