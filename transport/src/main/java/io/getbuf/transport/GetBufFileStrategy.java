/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

/**
 * How a getbuf channel sends a {@link io.netty.channel.DefaultFileRegion} (set per channel with
 * {@link GetBufChannelOption#FILE_STRATEGY}; by default the channel picks per region, see {@link #AUTO}). Each
 * channel counts the bytes and regions it sent per strategy, and so does its event loop
 * ({@link GetBufSocketChannel#fileSendStats()}). Custom {@link io.netty.channel.FileRegion}s, which only know how to
 * {@code transferTo} a channel, are copied through a buffer whatever this says.
 */
public enum GetBufFileStrategy {
    /**
     * Pick per region: {@link #GET_BUF} where the kernel has it and the file's file system lends pages, else what
     * measured fastest on this kind of machine for its size (see the README).
     */
    AUTO,
    /**
     * {@code IORING_OP_GET_BUF} (getbuf's kernel patch) linked to {@code SEND_ZC} from the slot it filled: the file's
     * page-cache pages go to the socket by reference, no copy anywhere. On a kernel without it, or a file system
     * without a provider (remembered per file system), the region goes out with the next best strategy.
     */
    GET_BUF,
    /**
     * {@code sendfile(2)} on the event loop while the socket takes data, a ring poll for writability when it is
     * full: what Netty's epoll transport and nginx do. No copy to user space.
     */
    SENDFILE,
    /**
     * {@code IORING_OP_SPLICE} file -> pipe linked to pipe -> socket, through a pipe from the event loop's pool
     * (sized with {@code F_SETPIPE_SZ}); a socket that is full is waited for with a ring poll. No copy to user space,
     * but the kernel runs every splice on an io-wq worker thread.
     */
    SPLICE,
    /**
     * {@code IORING_OP_READ_FIXED} into a registered buffer (a slot of the event loop's registered-buffer table)
     * linked to a {@code SEND} from it, several chunks per submission: the file is copied once into user memory and
     * once into the socket, inline (no worker thread) where the file system reads without blocking.
     */
    READ_FIXED,
    /**
     * READ_FIXED with {@code IORING_OP_SEND_ZC} from the registered chunk instead of {@code SEND}: one copy (file to
     * chunk) instead of two, for real network cards. A chunk is read into again only after the kernel's notification
     * that the socket is done with it; over loopback the kernel copies on delivery anyway, and waiting for the
     * notifications makes it slower than READ_FIXED there.
     */
    READ_FIXED_ZC,
    /** {@code IORING_OP_READ} into a pooled direct buffer linked to a {@code SEND} from it: like READ_FIXED, without
     * registered buffers (kernels or tables without a free slot). */
    COPY
}
