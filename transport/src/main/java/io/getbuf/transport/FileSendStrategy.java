/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.netty.channel.DefaultFileRegion;

/**
 * One way of sending a {@link DefaultFileRegion} to a socket. Each event loop's {@link GetBufIoHandler} owns one
 * instance per strategy (and the resources it pools: pipes, registered buffers); a channel asks it for a
 * {@link FileTransfer} per region.
 */
interface FileSendStrategy {
    GetBufFileStrategy kind();

    /** Whether this kernel (and this loop's configuration) can use the strategy. */
    boolean isAvailable();

    /** A transfer of {@code region}, whose file is open as {@code fd}. Nothing is submitted until it resumes. */
    FileTransfer newTransfer(FileTransfer.Host host, DefaultFileRegion region, int fd);

    /** Frees what the strategy pools; the loop is shutting down and every transfer has ended. */
    default void close() {
    }
}
