/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fails a test class whose run leaked a Netty buffer (see {@link LeakCollector}) or left a file descriptor open that
 * it opened ({@link Fds}: sockets, open files, pipes; waited for up to 10 s).
 */
final class NoLeaks implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(NoLeaks.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        // getbuf's probe (its first use) keeps a socket for the JVM's lifetime: not the class's
        io.getbuf.transport.GetBuf.isAvailable();
        context.getStore(NAMESPACE).put("fds", Fds.snapshot());
    }

    @Override
    @SuppressWarnings("unchecked")
    public void afterAll(ExtensionContext context) throws InterruptedException {
        if (LeakCollector.isInstalled()) {
            assertEquals(List.of(), LeakCollector.collect(), "Netty reported leaks");
        }
        Map<Integer, String> before = (Map<Integer, String>) context.getStore(NAMESPACE).get("fds");
        if (before != null) {
            assertEquals(Map.of(), Fds.leakedSince(before), "descriptors the class left open");
        }
    }
}
