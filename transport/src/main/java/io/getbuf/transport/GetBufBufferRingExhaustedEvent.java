/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

/**
 * Fired as a user event on a channel whose receive found the event loop's provided-buffer ring
 * empty (every buffer held by the application). The channel keeps reading, into buffers from
 * its allocator, until ring buffers are released.
 */
public final class GetBufBufferRingExhaustedEvent {
    /** The only instance: what {@code userEventTriggered} receives (compare with {@code ==}). */
    public static final GetBufBufferRingExhaustedEvent INSTANCE = new GetBufBufferRingExhaustedEvent();

    private GetBufBufferRingExhaustedEvent() {
    }

    @Override
    public String toString() {
        return "GetBufBufferRingExhaustedEvent";
    }
}
