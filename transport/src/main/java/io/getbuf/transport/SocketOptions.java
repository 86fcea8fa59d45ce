/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.channel.ChannelException;

import java.io.IOException;

/** Socket option calls for channel configs, whose API cannot throw IOException. */
final class SocketOptions {
    private SocketOptions() {
    }

    @FunctionalInterface
    interface Getter<T> {
        T get() throws IOException;
    }

    @FunctionalInterface
    interface Setter {
        void set() throws IOException;
    }

    static <T> T get(Getter<T> getter) {
        try {
            return getter.get();
        } catch (IOException e) {
            throw new ChannelException(e);
        }
    }

    static void set(Setter setter) {
        try {
            setter.set();
        } catch (IOException e) {
            throw new ChannelException(e);
        }
    }
}
