/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Fails a test class whose run leaked a Netty buffer (see {@link LeakCollector}). */
final class NoLeaks implements AfterAllCallback {
    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        if (LeakCollector.isInstalled()) {
            assertEquals(List.of(), LeakCollector.collect(), "Netty reported leaks");
        }
    }
}
