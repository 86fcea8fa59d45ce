/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

/**
 * One way of sending a {@link DefaultFileRegion} to a socket. Each event loop's {@link GetBufIoHandler} owns one
 * instance per strategy (and the resources it pools: pipes, registered buffers); a channel asks it for a
 * {@link FileTransfer} per region.
 */
interface FileSendStrategy {
    GetBufFileStrategy kind();

    /** Whether this kernel (and this loop's configuration) can use the strategy. */
    boolean isAvailable();

    /**
     * A transfer for {@code host}'s channel, not started: {@link FileTransfer#start} gives it a region. A channel
     * keeps a transfer that ended and starts it again for its next region of this strategy on the same loop: a file
     * response then allocates nothing in the transport.
     */
    FileTransfer newTransfer(FileTransfer.Host host);

    /** Frees what the strategy pools; the loop is shutting down and every transfer has ended. */
    default void close() {
    }
}
