/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.channel.IoHandle;

/**
 * What a {@link GetBufIoHandler} can drive: an {@link IoHandle} that receives {@link GetBufIoEvent}s.
 * Every operation it submits owns its buffers until that operation's last completion (the one
 * without IORING_CQE_F_MORE) has been handed to {@link #handle}, even after the handle closed.
 */
interface GetBufIoHandle extends IoHandle {
    /**
     * The registration is ending ({@link io.netty.channel.IoRegistration#cancel()}) and no operation that names the
     * handle's fd is left: what is still outstanding are zero-copy notifications, which name only memory (and which a
     * peer that never reads may hold back for as long as the socket lives). Called once, on the registration's loop,
     * before {@link #unregistered()}; the fd may be closed now.
     */
    default void fdIdle() {
    }
}
