/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * What a class of file-transfer tests shares: io_uring (and GET_BUF where the run asks for it), one NIO client loop,
 * and a pattern file ({@link FileTransferTest#patternAt}) in a directory of its own, made before the class's tests
 * and taken down after them. {@code @RegisterExtension static final FileTransferFixture FIXTURE = new
 * FileTransferFixture(size);}
 */
final class FileTransferFixture implements BeforeAllCallback, AfterAllCallback {
    private final long size;
    private Path dir;
    private EventLoopGroup clients;
    private Path file;

    FileTransferFixture(long size) {
        this.size = size;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        GetBufAssumptions.assumeAvailable();
        LentPages.requireGetBufWhereAsked();
        dir = Files.createTempDirectory("getbuf-" + context.getRequiredTestClass().getSimpleName());
        clients = Fixtures.nio(1);
        file = FileTransferTest.patternFile(dir, size);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (clients != null) {
            Fixtures.shutdown(clients);
        }
        if (dir != null) {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** The NIO loop the class's clients run on. */
    EventLoopGroup clients() {
        return clients;
    }

    /** The pattern file of {@code size} bytes. */
    Path file() {
        return file;
    }

    /** The directory the file is in, for more files of the class's own. */
    Path dir() {
        return dir;
    }
}
