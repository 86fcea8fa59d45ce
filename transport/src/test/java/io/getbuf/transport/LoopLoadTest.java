/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The busy / idle judgement that chooses how stream channels wait for data. */
class LoopLoadTest {
    @Test
    void startsIdleAndTurnsBusyUnderSustainedLoad() {
        LoopLoad load = new LoopLoad();
        assertFalse(load.isBusy());
        for (int i = 0; i < 4; i++) {
            load.update(2); // a latency-bound loop: a completion or two per iteration
        }
        assertFalse(load.isBusy());
        int iterations = 0;
        while (!load.isBusy() && iterations < 100) {
            load.update(40); // many connections at once
            iterations++;
        }
        assertTrue(load.isBusy());
        assertTrue(iterations > 1, "one busy iteration is not sustained load");
    }

    @Test
    void staysBusyInTheHysteresisBandAndTurnsIdleBelowIt() {
        LoopLoad load = new LoopLoad();
        for (int i = 0; i < 50; i++) {
            load.update(40);
        }
        assertTrue(load.isBusy());
        for (int i = 0; i < 200; i++) {
            load.update(LoopLoad.IDLE_BELOW + 1); // fewer than BUSY_FROM, more than IDLE_BELOW
        }
        assertTrue(load.isBusy(), "between the thresholds the loop keeps its state");
        for (int i = 0; i < 200; i++) {
            load.update(1);
        }
        assertFalse(load.isBusy());
        for (int i = 0; i < 200; i++) {
            load.update(LoopLoad.BUSY_FROM - 1);
        }
        assertFalse(load.isBusy(), "between the thresholds the loop keeps its state");
    }

    @Test
    void oneFloodOfCompletionsDoesNotPinTheAverage() {
        LoopLoad load = new LoopLoad();
        load.update(Integer.MAX_VALUE);
        assertTrue(load.isBusy());
        int iterations = 0;
        while (load.isBusy() && iterations < 1000) {
            load.update(0);
            iterations++;
        }
        assertFalse(load.isBusy());
        assertTrue(iterations < 100, "a flood is forgotten within tens of idle iterations, took " + iterations);
    }
}
