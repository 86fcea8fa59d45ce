/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

/**
 * Whether an event loop is busy: its iterations average {@value #BUSY_FROM} or more completions
 * (a moving average over about eight iterations), until they drop below {@value #IDLE_BELOW}.
 * A busy loop serves many active connections at once, so work per completion matters more than
 * the latency of one more ring round trip per message; an idle one is the other way round.
 */
final class LoopLoad {
    static final int BUSY_FROM = 8;
    static final int IDLE_BELOW = 3;
    private static final int CAP = 4096; // one flood of completions must not pin the average

    private int avg8; // the average, times 8
    private boolean busy;

    void update(int completions) {
        avg8 += Math.min(completions, CAP) - (avg8 >> 3);
        if (busy ? avg8 < IDLE_BELOW * 8 : avg8 >= BUSY_FROM * 8) {
            busy = !busy;
        }
    }

    boolean isBusy() {
        return busy;
    }
}
