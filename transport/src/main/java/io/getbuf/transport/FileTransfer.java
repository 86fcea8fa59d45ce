/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.IoRegistration;

import java.io.IOException;

/**
 * One {@link DefaultFileRegion} on its way to a socket, sent by one {@link FileSendStrategy}. The channel it belongs
 * to sends nothing else meanwhile (bytes leave in order), hands it the completions of its operations and tells it
 * when to go on.
 *
 * <p>Ownership: the transfer holds a reference on the region, so the region's file stays open while an operation
 * (queued or in flight) names its fd, and owns what its strategy lent it (a pipe, registered-buffer slots, buffers).
 * Both go back exactly once, when the transfer has ended (sent everything, failed or was cancelled) and its last
 * operation has reported back ({@link #release}).
 */
abstract class FileTransfer {
    /** What a transfer needs of its channel. */
    interface Host {
        /** The live registration (the caller checked {@link #canSubmit()}). */
        IoRegistration registration();

        /**
         * Whether operations can be submitted: registered, not deregistering or closing, and no write of the bytes
         * ahead of the region in flight (except while the transfer submits the operations linked behind it).
         */
        boolean canSubmit();

        /** The channel's SQE description, reused for each submission. */
        GetBufIoOps ops();

        int socketFd();

        GetBufIoHandler handler();

        /** The channel's allocator (for buffers a strategy reads into). */
        io.netty.buffer.ByteBufAllocator alloc();

        /** {@code bytes} of the transfer's region left for the socket. */
        void sent(FileTransfer transfer, long bytes);

        /** The region is sent. */
        void finished(FileTransfer transfer);

        /** The region cannot be sent: the channel fails its write (and, for I/O errors, closes). */
        void failed(FileTransfer transfer, Throwable cause);

        /** The transfer has ended and its last operation reported back: the channel may start the next one. */
        void released(FileTransfer transfer);
    }

    /** The most operations a transfer has in flight at once (steps are numbered below this). */
    static final int MAX_STEPS = 64;

    final Host host;
    final DefaultFileRegion region;
    final int fd;
    final GetBufFileStrategy strategy;
    /** File offset of the first byte not yet sent. */
    long position;
    /** File offset just past the region. */
    final long end;
    /** Where a short read saw the file end (it shrank under the transfer), or {@link Long#MAX_VALUE}. */
    private long fileEnd = Long.MAX_VALUE;
    private final long[] inFlight = new long[MAX_STEPS]; // user_data by step, 0 when none
    private int inFlightCount;
    private boolean ended;
    private boolean released;

    FileTransfer(Host host, DefaultFileRegion region, int fd, GetBufFileStrategy strategy) {
        this.host = host;
        this.region = region;
        region.retain();
        this.fd = fd;
        this.strategy = strategy;
        this.position = region.position() + region.transferred();
        this.end = region.position() + region.count();
    }

    /** Submits (or, for sendfile, performs) what comes next. Called when the channel may write. */
    abstract void resume();

    /**
     * Called before the channel submits a write of the bytes ahead of the region with {@code IOSQE_IO_LINK}: true when
     * the next {@link #resume} (called right after that submission) surely submits operations, which then run only
     * once the write has sent everything (one trip through the ring for a response's head and body). False: the
     * write goes alone, and the transfer starts when it has completed. Strategies that do not link say false.
     */
    boolean prepareToFollow() {
        return false;
    }

    /** The completion of step {@code step} (one this transfer submitted). */
    abstract void onComplete(int step, int res, int flags);

    /**
     * Sees every result of the transfer's steps, before {@link #onComplete} and also after the transfer ended (when
     * onComplete no longer runs): for what must stay true of what the transfer holds, such as the bytes in its pipe.
     */
    void account(int step, int res) {
    }

    /** Gives back what the strategy lent; called once, after the end and the last completion. */
    abstract void releaseResources();

    final boolean isEnded() {
        return ended;
    }

    final long remaining() {
        return end - position;
    }

    /**
     * A read of {@code wanted} bytes at {@code offset} returned {@code got} (a short read fails its link, so what it
     * read is not sent): the next chain reads no further than that, so that the bytes that are there go out and the
     * read after them finds the end of the file, instead of the same short read repeating forever.
     */
    final void readReturned(long offset, int wanted, int got) {
        if (got >= 0 && got < wanted) {
            fileEnd = Math.min(fileEnd, offset + got);
        }
    }

    /** How far the next chain may read: the region's end, or where the file was seen to end. */
    final long readableEnd() {
        return Math.min(end, fileEnd);
    }

    /** True (and the transfer failed as truncated) when the file ends where the next chain would start. */
    final boolean endedByTruncation() {
        if (position >= readableEnd() && position < end) {
            end(truncated());
            return true;
        }
        return false;
    }

    /** The data field of an operation of step {@code step} (see {@link AbstractGetBufChannel#DATA_FILE}). */
    static short dataOf(int step) {
        return (short) (AbstractGetBufChannel.DATA_FILE | step << AbstractGetBufChannel.DATA_STEP_SHIFT);
    }

    /** Submits {@code ops} as step {@code step}; the caller made sure the step is free. */
    final void submit(int step, GetBufIoOps ops) {
        if (inFlight[step] != 0) {
            throw new IllegalStateException("step " + step + " of " + this + " is in flight");
        }
        inFlight[step] = host.registration().submit(ops);
        inFlightCount++;
    }

    final boolean isInFlight(int step) {
        return inFlight[step] != 0;
    }

    final int inFlightCount() {
        return inFlightCount;
    }

    /**
     * Routes a completion of this transfer. A step stays in flight while its completions carry IORING_CQE_F_MORE: a
     * zero-copy send reports its result first and its notification (IORING_CQE_F_NOTIF) when the socket no longer
     * needs the memory; only the result goes to {@link #onComplete}, and the notification of a transfer's last step
     * in flight resumes it.
     */
    final void complete(int step, int res, int flags) {
        if ((flags & Native.IORING_CQE_F_MORE) == 0 && inFlight[step] != 0) {
            inFlight[step] = 0;
            inFlightCount--;
        }
        if ((flags & Native.IORING_CQE_F_NOTIF) == 0) {
            account(step, res);
        }
        if (!ended) {
            if ((flags & Native.IORING_CQE_F_NOTIF) == 0) {
                onComplete(step, res, flags);
            } else if (inFlightCount == 0) {
                resume();
            }
        }
        releaseIfIdle();
    }

    /** {@code bytes} left: the region's own counter follows (what {@code transferred()} reports). */
    final void advance(long bytes) {
        position += bytes;
        Native.setFileRegionTransferred(region, position - region.position());
        host.sent(this, bytes);
        if (position == end) {
            end(null);
        }
    }

    /** The region is sent ({@code cause} null) or failed; nothing more is submitted. */
    final void end(Throwable cause) {
        if (ended) {
            return;
        }
        ended = true;
        if (cause == null) {
            host.finished(this);
        } else {
            host.failed(this, cause);
        }
        releaseIfIdle();
    }

    /** Cancels what is in flight (closing, deregistering); the completions still come back. */
    final void cancel() {
        IoRegistration r = host.registration();
        for (int i = 0; i < MAX_STEPS; i++) {
            if (inFlight[i] != 0) {
                r.submit(host.ops().cancel(inFlight[i], AbstractGetBufChannel.DATA_CANCEL));
            }
        }
    }

    /** The channel gives up on the transfer (closed): it ends without telling the channel. */
    final void abandon() {
        ended = true;
        releaseIfIdle();
    }

    private void releaseIfIdle() {
        if (ended && inFlightCount == 0 && !released) {
            released = true;
            try {
                releaseResources();
            } finally {
                region.release();
                host.released(this);
            }
        }
    }

    /** The file ended before the region did: someone truncated it. */
    final IOException truncated() {
        return new IOException("file of " + region + " ended at offset " + position + ", before the region's end "
                + end + " (truncated while being sent?)");
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "{fd=" + fd + ", position=" + position + ", end=" + end + ", inFlight="
                + inFlightCount + (ended ? ", ended" : "") + '}';
    }
}
