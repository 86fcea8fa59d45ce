/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The soak ({@link Soak}) in the build: 60 s by default ({@code -Dgetbuf.soak.seconds}), 500 idle connections;
 * its table and plot go to {@code examples/target/soak/}. {@code benchmarks/run-soak.sh} runs the 10-minute one.
 */
@ExtendWith(NoLeaks.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SoakTest {
    @TempDir
    Path dir;

    @Test
    void everyResponseIsOneWholeVersionAndResourcesComeBack() throws Exception {
        TestServer.assumeRunnable(Transport.GETBUF);
        Soak.Config c = new Soak.Config();
        c.seconds = Integer.getInteger("getbuf.soak.seconds", 60);
        c.idleConnections = Integer.getInteger("getbuf.soak.idle", 500);
        Soak.Result r = new Soak(c, dir, System.out).run();
        Soak.write(r, c, Path.of("target", "soak"), "soak");
        System.out.println(Soak.markdown(r, c, "soak.svg"));
        assertTrue(r.passed(), Soak.markdown(r, c, "soak.svg"));
    }
}
