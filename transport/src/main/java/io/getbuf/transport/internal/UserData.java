/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.internal;

/**
 * The layout of {@code user_data}: a registration id (32 bits), the opcode (8 bits) and 16 bits
 * the submitter chooses. Never the fd: fds are reused as soon as they are closed, while a
 * registration id is not handed out again until every completion of its owner came back.
 */
public final class UserData {
    private UserData() {
    }

    public static long encode(int id, byte op, short data) {
        return (id & 0xffffffffL) | ((op & 0xffL) << 32) | ((data & 0xffffL) << 40);
    }

    public static int id(long userData) {
        return (int) userData;
    }

    public static byte op(long userData) {
        return (byte) (userData >>> 32);
    }

    public static short data(long userData) {
        return (short) (userData >>> 40);
    }
}
