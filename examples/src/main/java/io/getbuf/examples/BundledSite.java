/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collections;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The small site served when no {@code --root} is given (the pages in {@code examples/site/}, which explain the
 * server and its options). It ships inside the jar, and a FileRegion needs a real file, so it is copied into a
 * temporary directory that {@link #delete} removes at shutdown.
 */
final class BundledSite {
    /** Where the build puts examples/site/ on the class path (see the pom's resources). */
    static final String RESOURCE_DIRECTORY = "/site";
    private static final String JAR_SCHEME = "jar";

    private BundledSite() {
    }

    /** Copies the site into a new temporary directory and returns it. */
    static Path unpack() throws IOException {
        URL url = BundledSite.class.getResource(RESOURCE_DIRECTORY);
        if (url == null) {
            throw new IOException("the bundled site (" + RESOURCE_DIRECTORY + ") is not on the class path");
        }
        Path target = Files.createTempDirectory("getbuf-site-");
        URI uri;
        try {
            uri = url.toURI();
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        if (JAR_SCHEME.equals(uri.getScheme())) {
            try (FileSystem jar = FileSystems.newFileSystem(uri, Collections.emptyMap())) {
                copyTree(jar.getPath(RESOURCE_DIRECTORY), target);
            }
        } else {
            copyTree(Paths.get(uri), target);
        }
        return target;
    }

    private static void copyTree(Path source, Path target) throws IOException {
        try (Stream<Path> paths = Files.walk(source)) {
            for (Path from : (Iterable<Path>) paths::iterator) {
                // resolve by string: the source may be on the jar's file system
                Path to = target.resolve(source.relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(from, to);
                }
            }
        }
    }

    /** Removes an unpacked copy. */
    static void delete(Path directory) throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
