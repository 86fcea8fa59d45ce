/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.testsuite;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakTracker;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link ResourceLeakDetector} that, besides logging, remembers every leak it reports, so that a leak fails a
 * test class instead of leaving a log line nobody reads. Installed for every detector Netty (and the transport)
 * creates by {@code -Dio.netty.customResourceLeakDetector} in the surefire configuration; see
 * {@link GetBufTestExtension}, which checks after each class.
 *
 * <p>Netty reports a leak only when the leaked object has been garbage collected and the detector that tracked it
 * tracks its next object: {@link #collectLeaks()} does both.
 */
public final class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {
    private static final List<RecordingLeakDetector<?>> DETECTORS = new CopyOnWriteArrayList<>();
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    private final String type;

    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
        type = resourceType.getSimpleName();
        DETECTORS.add(this);
    }

    /** The constructor Netty's factory tries first (the maxActive argument is ignored by Netty too). */
    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
        this(resourceType, samplingInterval);
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        LEAKS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected." + records);
        super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        LEAKS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected "
                + "(no records: run with -Dio.netty.leakDetection.level=paranoid)");
        super.reportUntracedLeak(resourceType);
    }

    /** True when Netty was told to use this class (the surefire configuration), so the checks mean something. */
    static boolean isInstalled() {
        return RecordingLeakDetector.class.getName().equals(System.getProperty("io.netty.customResourceLeakDetector"));
    }

    /**
     * Collects garbage, has every detector look at what was collected, and returns (and forgets) the leaks reported
     * since the last call.
     */
    public static List<String> collectLeaks() throws InterruptedException {
        for (int round = 0; round < 2; round++) {
            System.gc();
            // the reference handler thread enqueues the collected trackers after the collection
            Thread.sleep(50);
            for (RecordingLeakDetector<?> detector : DETECTORS) {
                detector.poke();
            }
        }
        return takeLeaks();
    }

    /** The leaks reported since the last call, without collecting garbage first. */
    static List<String> takeLeaks() {
        List<String> taken = new ArrayList<>(LEAKS);
        LEAKS.removeAll(taken);
        return taken;
    }

    /** Tracking an object is what makes a detector report the leaks it has seen collected. */
    @SuppressWarnings("unchecked")
    private void poke() {
        Object probe = new Object();
        ResourceLeakTracker<Object> tracker = ((ResourceLeakDetector<Object>) (ResourceLeakDetector<?>) this)
                .trackForcibly(probe);
        tracker.close(probe);
    }

    @Override
    public String toString() {
        return "RecordingLeakDetector(" + type + ')';
    }
}
