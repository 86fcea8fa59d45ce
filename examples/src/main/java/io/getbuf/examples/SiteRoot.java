/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.netty.handler.codec.http.HttpResponseStatus;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * The directory served, and the only way to get from request segments to a file: whatever a path names must, after
 * every symlink is followed, still lie under the root and have no hidden (dot) name on the way; a symlink inside the
 * root to a file inside it is served. Hidden names answer 404 (as if absent: a {@code .git} is nobody's business), a
 * symlink out of the root 403.
 */
final class SiteRoot {
    private static final char HIDDEN_PREFIX = '.';

    private final Path root; // a real path: absolute, no symlinks, no dot-segments

    SiteRoot(Path directory) throws IOException {
        root = directory.toRealPath();
        if (!Files.isDirectory(root)) {
            throw new NotDirectoryException(directory.toString());
        }
    }

    Path path() {
        return root;
    }

    /** What {@code segments} (checked by {@link RequestTarget}) names: a file system object, or a status. */
    static final class Resolution {
        final HttpResponseStatus failure; // null when found
        final Path path; // real path
        final BasicFileAttributes attributes;

        private Resolution(HttpResponseStatus failure, Path path, BasicFileAttributes attributes) {
            this.failure = failure;
            this.path = path;
            this.attributes = attributes;
        }

        static Resolution failed(HttpResponseStatus status) {
            return new Resolution(status, null, null);
        }

        boolean found() {
            return failure == null;
        }
    }

    Resolution resolve(List<String> segments) {
        if (segments.stream().anyMatch(SiteRoot::isHidden)) {
            return Resolution.failed(HttpResponseStatus.NOT_FOUND);
        }
        Path candidate = root;
        for (String segment : segments) {
            candidate = candidate.resolve(segment);
        }
        try {
            Path real = candidate.toRealPath();
            if (!real.startsWith(root)) { // a symlink led out of the root
                return Resolution.failed(HttpResponseStatus.FORBIDDEN);
            }
            for (Path name : root.relativize(real)) { // a symlink inside the root to a hidden name
                if (isHidden(name.toString())) {
                    return Resolution.failed(HttpResponseStatus.NOT_FOUND);
                }
            }
            // the real path has no links left, so not following them changes nothing but closes a race
            BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            return new Resolution(null, real, attributes);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return Resolution.failed(HttpResponseStatus.NOT_FOUND);
        } catch (AccessDeniedException e) {
            return Resolution.failed(HttpResponseStatus.FORBIDDEN);
        } catch (FileSystemException e) {
            // a name too long, a symlink loop, not a directory on the way: nothing that can be served
            return Resolution.failed(HttpResponseStatus.NOT_FOUND);
        } catch (IOException e) {
            return Resolution.failed(HttpResponseStatus.INTERNAL_SERVER_ERROR);
        }
    }

    static boolean isHidden(String name) {
        return !name.isEmpty() && name.charAt(0) == HIDDEN_PREFIX;
    }
}
