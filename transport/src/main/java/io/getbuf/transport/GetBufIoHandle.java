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
public interface GetBufIoHandle extends IoHandle {
}
