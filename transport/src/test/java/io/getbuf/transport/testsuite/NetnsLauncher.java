/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.testsuite;

import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.io.PrintWriter;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Runs test classes with the JUnit platform in this JVM and exits 0 only when every test ran and passed (a skip is a
 * failure: the caller set up what they need). {@link MulticastInNetnsTest} starts it inside a network namespace.
 */
public final class NetnsLauncher {
    private NetnsLauncher() {
    }

    public static void main(String[] classNames) throws ClassNotFoundException {
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
        for (String name : classNames) {
            request.selectors(selectClass(Class.forName(name)));
        }
        LauncherDiscoveryRequest built = request.build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        launcher.execute(built, summary);
        TestExecutionSummary s = summary.getSummary();
        PrintWriter out = new PrintWriter(System.out, true);
        s.printTo(out);
        s.printFailuresTo(out, 30);
        out.printf("NETNS found=%d succeeded=%d failed=%d skipped=%d aborted=%d%n", s.getTestsFoundCount(),
                s.getTestsSucceededCount(), s.getTotalFailureCount(), s.getTestsSkippedCount(),
                s.getTestsAbortedCount());
        boolean ok = s.getTestsFoundCount() > 0 && s.getTotalFailureCount() == 0 && s.getTestsSkippedCount() == 0
                && s.getTestsAbortedCount() == 0 && s.getTestsSucceededCount() == s.getTestsFoundCount();
        System.exit(ok ? 0 : 1);
    }
}
