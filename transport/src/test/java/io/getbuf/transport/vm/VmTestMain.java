/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.vm;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs test classes with the JUnit launcher inside the VM of {@code kernel/vm/java-tests} (no Maven there: one JVM,
 * the classpath the host's build wrote) and ends with {@code vm-java-tests: N passed, N failed, N skipped}. A skipped
 * test (an assumption that failed, or a disabled one) counts as skipped; the exit status is 0 only when nothing
 * failed and, with {@code --no-skips} (the patched kernel), nothing was skipped.
 */
public final class VmTestMain {
    private VmTestMain() {
    }

    public static void main(String[] args) {
        boolean noSkips = false;
        List<String> classes = new ArrayList<>();
        for (String a : args) {
            if ("--no-skips".equals(a)) {
                noSkips = true;
            } else {
                classes.add(a);
            }
        }
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request()
                // the emulated debug kernel runs everything many times slower than the host the @Timeouts were set
                // for: the VM run's own time bound (kernel/vm/java-tests --timeout) stands for them here
                .configurationParameter("junit.jupiter.execution.timeout.mode", "disabled");
        for (String c : classes) {
            request.selectors(DiscoverySelectors.selectClass(c));
        }
        LauncherDiscoveryRequest discovery = request.build();
        Launcher launcher = LauncherFactory.create();
        Counter counter = new Counter();
        launcher.execute(discovery, counter);
        System.out.println("vm-java-tests: " + counter.passed + " passed, " + counter.failed + " failed, "
                + counter.skipped + " skipped");
        boolean ok = counter.failed.get() == 0 && (!noSkips || counter.skipped.get() == 0)
                && counter.passed.get() > 0;
        System.exit(ok ? 0 : 1);
    }

    /** Prints a line per test (and per container that failed), with its time, and counts them. */
    static final class Counter implements TestExecutionListener {
        final AtomicInteger passed = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger skipped = new AtomicInteger();
        private final Map<String, Long> started = new ConcurrentHashMap<>();

        @Override
        public void executionStarted(TestIdentifier test) {
            started.put(test.getUniqueId(), System.nanoTime());
        }

        /** " (12.3 s)": how long since the test or container started. */
        private String took(TestIdentifier test) {
            Long start = started.remove(test.getUniqueId());
            return start == null ? "" : String.format(" (%.1f s)", (System.nanoTime() - start) / 1e9);
        }

        @Override
        public void executionSkipped(TestIdentifier test, String reason) {
            skipped.incrementAndGet();
            System.out.println("SKIP: " + test.getLegacyReportingName() + " " + test.getUniqueId() + ": " + reason);
        }

        @Override
        public void executionFinished(TestIdentifier test, TestExecutionResult result) {
            String name = test.getUniqueId() + took(test);
            switch (result.getStatus()) {
                case SUCCESSFUL:
                    if (test.isTest()) {
                        passed.incrementAndGet();
                        System.out.println("ok: " + name);
                    } else if (test.getSource().filter(ClassSource.class::isInstance).isPresent()) {
                        System.out.println("class done: " + name);
                    }
                    break;
                case ABORTED:
                    skipped.incrementAndGet();
                    System.out.println("SKIP: " + name + ": " + result.getThrowable().map(Throwable::getMessage)
                            .orElse(""));
                    break;
                default:
                    failed.incrementAndGet();
                    System.out.println("FAIL: " + name);
                    result.getThrowable().ifPresent(t -> t.printStackTrace(System.out));
                    break;
            }
            System.out.flush();
        }
    }
}
