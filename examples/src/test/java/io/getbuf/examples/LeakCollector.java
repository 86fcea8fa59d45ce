/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakTracker;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A leak detector that keeps what it reports, so that {@link NoLeaks} can fail the test class that leaked. Surefire
 * names it as {@code -Dio.netty.customResourceLeakDetector}, with PARANOID tracking, for every detector Netty makes.
 */
public final class LeakCollector<T> extends ResourceLeakDetector<T> {
    private static final List<LeakCollector<?>> DETECTORS = new CopyOnWriteArrayList<>();
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
    private static final int GC_ROUNDS = 2;
    private static final long AFTER_GC_MILLIS = 50;

    public LeakCollector(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
        DETECTORS.add(this);
    }

    /** The constructor Netty's detector factory tries first. */
    public LeakCollector(Class<?> resourceType, int samplingInterval, long maxActive) {
        this(resourceType, samplingInterval);
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        LEAKS.add(resourceType + " leaked:" + records);
        super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        LEAKS.add(resourceType + " leaked");
        super.reportUntracedLeak(resourceType);
    }

    /** Whether surefire installed this class; without it {@link #collect} finds nothing. */
    static boolean isInstalled() {
        return LeakCollector.class.getName().equals(System.getProperty("io.netty.customResourceLeakDetector"));
    }

    /** Collects garbage, has every detector report what was collected unreleased, and returns (and forgets) it. */
    static List<String> collect() throws InterruptedException {
        for (int i = 0; i < GC_ROUNDS; i++) {
            System.gc();
            Thread.sleep(AFTER_GC_MILLIS); // the reference handler enqueues what was collected
            for (LeakCollector<?> detector : DETECTORS) {
                detector.reportCollected();
            }
        }
        List<String> leaks = new ArrayList<>(LEAKS);
        LEAKS.removeAll(leaks);
        return leaks;
    }

    /** A detector reports the leaks it has seen collected when it tracks its next object. */
    @SuppressWarnings("unchecked")
    private void reportCollected() {
        T probe = (T) new Object();
        ResourceLeakTracker<T> tracker = track(probe);
        if (tracker != null) {
            tracker.close(probe);
        }
    }
}
