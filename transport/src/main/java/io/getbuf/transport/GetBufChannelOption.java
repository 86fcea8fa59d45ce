/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.channel.ChannelOption;
import io.netty.channel.unix.UnixChannelOption;

/**
 * Options of getbuf channels beyond {@link ChannelOption}'s (SO_REUSEPORT comes from
 * {@link UnixChannelOption}).
 */
public final class GetBufChannelOption<T> extends UnixChannelOption<T> {
    /** TCP_CORK: hold partial segments until uncorked (or 200 ms passed). */
    public static final ChannelOption<Boolean> TCP_CORK = valueOf(GetBufChannelOption.class, "TCP_CORK");

    /** TCP_QUICKACK: acknowledge at once instead of delaying ACKs. */
    public static final ChannelOption<Boolean> TCP_QUICKACK = valueOf(GetBufChannelOption.class, "TCP_QUICKACK");

    /**
     * Receive through the event loop's provided-buffer ring ({@link GetBufIoHandlerConfig#setBufferRing})
     * with a multishot recv. Default: true when the loop has a ring, else ignored.
     */
    public static final ChannelOption<Boolean> USE_BUFFER_RING =
            valueOf(GetBufChannelOption.class, "USE_BUFFER_RING");

    /**
     * How {@link io.netty.channel.DefaultFileRegion}s written to the channel are sent (see {@link GetBufFileStrategy}).
     * Default: {@link GetBufFileStrategy#AUTO}. A strategy this kernel lacks falls back to {@code SENDFILE}.
     */
    public static final ChannelOption<GetBufFileStrategy> FILE_STRATEGY =
            valueOf(GetBufChannelOption.class, "FILE_STRATEGY");

    @SuppressWarnings("unused")
    private GetBufChannelOption() {
    }
}
