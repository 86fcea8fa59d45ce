/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.internal;

/**
 * The layout of {@code user_data}: a registration id (32 bits), the opcode (8 bits), 16 bits
 * the submitter chooses, and one bit that says the operation was submitted with
 * {@code IOSQE_CQE_SKIP_SUCCESS} (it is not counted in flight: it reports only if it fails). Never the fd: fds are reused as soon as they are closed, while a
 * registration id is not handed out again until every completion of its owner came back.
 */
public final class UserData {
    private UserData() {
    }

    public static long encode(int id, byte op, short data) {
        return (id & 0xffffffffL) | ((op & 0xffL) << 32) | ((data & 0xffffL) << 40);
    }

    /** Marks an operation submitted with {@code IOSQE_CQE_SKIP_SUCCESS}. */
    public static final long SILENT_ON_SUCCESS = 1L << 56;

    public static boolean isSilentOnSuccess(long userData) {
        return (userData & SILENT_ON_SUCCESS) != 0;
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
