/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.testsuite;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

import java.net.InetSocketAddress;

/**
 * Points Netty's testsuite at the {@link Blackhole} before any of its classes is initialised: its "bad host" and
 * "bad port" ({@code io.netty.testsuite.badHost/badPort}, read once into static fields of
 * {@code SocketTestPermutation}) are where {@code SocketConnectionAttemptTest} expects connects to hang. Its default,
 * a documentation address, is answered in sandboxes with a transparent proxy, and a refusing port returns at once,
 * so neither exercises a connect timeout or a connect cancellation. Registered through
 * {@code META-INF/services/org.junit.platform.launcher.LauncherSessionListener}.
 */
public final class BlackholeSessionListener implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        if (System.getProperty("io.netty.testsuite.badHost") != null) {
            return; // set by hand (or by an earlier session of this JVM)
        }
        InetSocketAddress at = Blackhole.address();
        System.setProperty("io.netty.testsuite.badHost", at.getAddress().getHostAddress());
        System.setProperty("io.netty.testsuite.badPort", Integer.toString(at.getPort()));
    }
}
