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
 * Both go back exactly once, when the transfer has ended (sent everything, failed, was cancelled or detached) and
 * its last operation has reported back ({@link #releaseIfIdle}). What the strategy lent belongs to the pools of the
 * loop the transfer started on ({@link #home}) and goes back there, on that loop's thread, even when the channel has
 * moved on meanwhile.
 *
 * <p>A transfer belongs to one registration: a channel that leaves its loop {@link #detach}es it, and its next
 * registration starts a fresh transfer from what the region says was sent. A strategy that cannot have what it
 * needs from its loop's pools without waiting on other peers ends with a {@link FallBack}: the channel sends the rest
 * of the region by sendfile, which needs nothing pooled.
 */
abstract class FileTransfer {
    /**
     * The transfer ended without failing its region: nothing it submitted is lost, and the rest of the region goes by
     * another strategy ({@link GetBufFileStrategy#SENDFILE}): its file lends no pages, or the loop's pool the
     * strategy draws on has nothing for it.
     */
    static class FallBack extends IOException {
        private static final long serialVersionUID = 1L;

        FallBack(String message) {
            super(message);
        }

        /** No stack trace: a strategy keeps one instance per reason, and a fallback allocates nothing. */
        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

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
    /** The loop whose pools the strategy draws on (where the transfer started). */
    final GetBufIoHandler home;
    final GetBufFileStrategy strategy;
    /** The region being sent, and its file's fd (set by {@link #start}). */
    DefaultFileRegion region;
    int fd;
    /** File offset of the first byte not yet sent. */
    long position;
    /** File offset just past the region. */
    long end;
    /** Where a short read saw the file end (it shrank under the transfer), or {@link Long#MAX_VALUE}. */
    private long fileEnd = Long.MAX_VALUE;
    private final long[] inFlight = new long[MAX_STEPS]; // user_data by step, 0 when none
    private int inFlightCount;
    /** Steps submitted silent on success ({@link #submitSilentOnSuccess}) whose outcome is not known yet. */
    private final boolean[] silent = new boolean[MAX_STEPS];
    /** By step: the last step of its chain (set when the chain is written). */
    private final int[] chainLast = new int[MAX_STEPS];
    private boolean ended = true;
    private boolean detached;
    private boolean released = true;
    /** Runs {@link #resume} from a pool's wake-up: a failure there is this transfer's, not the waker's. */
    final Runnable resumeWhenFree = this::resumeGuarded;
    private final Runnable releaseResources = this::giveBack;
    private boolean resourcesBack = true;

    FileTransfer(Host host, GetBufFileStrategy strategy) {
        this.host = host;
        this.home = host.handler();
        this.strategy = strategy;
    }

    /**
     * Starts sending {@code region} (from what it says was transferred), whose file is open as {@code fd}: a new
     * transfer, or one whose previous region ended and that gave back everything ({@link #reusableOn}). Nothing is
     * submitted until it resumes.
     */
    final FileTransfer start(DefaultFileRegion region, int fd) {
        if (!released || detached) {
            throw new IllegalStateException(this + " cannot start again");
        }
        this.region = region;
        region.retain();
        this.fd = fd;
        this.position = region.position() + region.transferred();
        this.end = region.position() + region.count();
        this.fileEnd = Long.MAX_VALUE;
        this.ended = false;
        this.released = false;
        this.resourcesBack = false;
        return this;
    }

    /** Whether this transfer ended, gave back what it held and can {@link #start} again on {@code loop}'s pools. */
    final boolean reusableOn(GetBufIoHandler loop) {
        return released && resourcesBack && !detached && home == loop;
    }

    /** {@link #releaseResources} on {@link #home}, and then the transfer may start again. */
    private void giveBack() {
        releaseResources();
        resourcesBack = true;
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

    /** After a true {@link #prepareToFollow}: the SQEs the linked write and this transfer's next chain take. */
    int followerSqes() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not follow linked writes");
    }

    /** The completion of step {@code step} (one this transfer submitted). */
    abstract void onComplete(int step, int res, int flags);

    /**
     * Sees every result of the transfer's steps, before {@link #onComplete} and also after the transfer ended (when
     * onComplete no longer runs): for what must stay true of what the transfer holds, such as the bytes in its pipe.
     */
    void account(int step, int res) {
    }

    /** Gives back what the strategy lent; called once, after the end and the last completion, on {@link #home}. */
    abstract void releaseResources();

    /** Whether {@code step} sends bytes to the socket (its positive result is bytes that left). */
    abstract boolean isSend(int step);

    /** Forgets every wait for a pooled resource (the transfer ended); called on {@link #home}. */
    void cancelWaits() {
    }

    private void resumeGuarded() {
        try {
            FaultInjector faults = home.faults;
            if (faults != null) {
                faults.maybeFailWake("a transfer's resume");
            }
            resume();
        } catch (Throwable t) {
            // a failure of this transfer must not reach whoever gave the resource back (another channel, the loop)
            end(t);
        }
    }

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

    /**
     * The data field of a zero-copy send of step {@code step} whose notification the transfer need not wait for
     * (see {@link AbstractGetBufChannel#DATA_FILE_UNWATCHED}): the step ends with the send's result.
     */
    static short unwatchedSendDataOf(int step) {
        return (short) (AbstractGetBufChannel.DATA_FILE_UNWATCHED | step << AbstractGetBufChannel.DATA_STEP_SHIFT);
    }

    /**
     * How many chunks (an operation pair each) one chain may have: at most {@code depth}, and no more than the
     * submission queue holds with {@code ahead} SQEs before them in the chain (a linked write).
     */
    final int chainDepth(int depth, int ahead) {
        return Math.max(1, Math.min(depth, (home.maxChain() - ahead) / 2));
    }

    /** Makes room for a chain of {@code sqes} SQEs: it is written to the submission queue whole. */
    final void reserve(int sqes) {
        home.reserve(sqes);
    }

    /**
     * The chain of steps {@code first} to {@code first + count - 1} is written (its last SQE unlinked): ends it in any
     * case (after an exception half-way it ends where it stands) and lets a fault injector cancel one of its steps.
     */
    final void chainWritten(int first, int count) {
        home.endChain();
        for (int step = first; step < first + count; step++) {
            chainLast[step] = first + count - 1;
        }
        FaultInjector faults = home.faults;
        if (faults != null && count > 0 && faults.cancelInChain()) {
            int step = first + faults.pick(count);
            if (inFlight[step] != 0) {
                host.registration().submit(host.ops().cancel(inFlight[step], AbstractGetBufChannel.DATA_CANCEL));
            }
        }
    }

    /** Submits {@code ops} as step {@code step}; the caller made sure the step is free. */
    final void submit(int step, GetBufIoOps ops) {
        if (inFlight[step] != 0) {
            throw new IllegalStateException("step " + step + " of " + this + " is in flight");
        }
        inFlight[step] = host.registration().submit(ops);
        inFlightCount++;
    }

    /**
     * Submits {@code ops} as step {@code step}, silent on success ({@code IOSQE_CQE_SKIP_SUCCESS}, see
     * {@link GetBufIoOps#silentOnSuccess}); the caller made sure the step is free. The step must be linked to the
     * next step of its chain, which the strategy submits right after it: that one's result says this one succeeded.
     * A CQE of this step is a failure; {@link #failedItself} then says whether the kernel silenced the rest of the
     * chain, whose steps this transfer then completes as cancelled itself.
     */
    final void submitSilentOnSuccess(int step, GetBufIoOps ops) {
        submit(step, ops.silentOnSuccess());
        silent[step] = true;
    }

    /**
     * A step submitted silent on success reported {@code res}: true when it failed by itself (6.12 then posts no CQE
     * for the rest of its chain), false when it was cancelled because a step before it in its chain failed (the
     * chain's CQEs all come). Asked once per such report, also after the transfer ended; the report of the step before
     * it in the chain has come already.
     */
    boolean failedItself(int step, int res) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " submits nothing silent on success");
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
        boolean result = (flags & Native.IORING_CQE_F_NOTIF) == 0;
        int silencedThrough = -1;
        if (result && silent[step]) {
            silent[step] = false; // a report of a step silent on success: it failed
            if (failedItself(step, res)) {
                silencedThrough = chainLast[step];
            }
        } else if (result && step > 0 && silent[step - 1] && inFlight[step - 1] != 0 && chainLast[step - 1] >= step) {
            // the result of the step linked after a silent one: that one succeeded (or this one would not have run)
            silent[step - 1] = false;
            inFlight[step - 1] = 0;
            inFlightCount--;
        }
        if ((flags & Native.IORING_CQE_F_MORE) == 0 && inFlight[step] != 0) {
            inFlight[step] = 0;
            inFlightCount--;
        }
        int silenced = 0;
        for (int s = step + 1; s <= silencedThrough; s++) {
            silenced += inFlight[s] != 0 ? 1 : 0;
        }
        completed(step, res, flags);
        // the kernel silenced the rest of the chain: those steps were cancelled, and (zero-copy sends) only their
        // notifications still come, which the loop accounts for. The last of them may resume the transfer, whose next
        // chain reuses the step numbers: nothing after it is this chain's
        for (int s = step + 1; silenced > 0; s++) {
            if (inFlight[s] != 0) {
                silenced--;
                silent[s] = false;
                inFlight[s] = 0;
                inFlightCount--;
                completed(s, -Native.ERRNO_ECANCELED, 0);
            }
        }
    }

    private void completed(int step, int res, int flags) {
        if ((flags & Native.IORING_CQE_F_NOTIF) == 0) {
            account(step, res);
        }
        if (!ended) {
            if ((flags & Native.IORING_CQE_F_NOTIF) == 0) {
                onComplete(step, res, flags);
            } else if (inFlightCount == 0) {
                resume();
            }
        } else if (detached && res > 0 && (flags & Native.IORING_CQE_F_NOTIF) == 0 && isSend(step)) {
            // a send the cancellation came too late for: its bytes left, and the next transfer starts after them
            moved(res);
        }
        releaseIfIdle();
    }

    private void moved(long bytes) {
        position += bytes;
        Native.setFileRegionTransferred(region, position - region.position());
        host.sent(this, bytes);
    }

    /** {@code bytes} left: the region's own counter follows (what {@code transferred()} reports). */
    final void advance(long bytes) {
        moved(bytes);
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
        cancelWaits();
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
        if (!ended) {
            ended = true;
            cancelWaits();
        }
        releaseIfIdle();
    }

    /**
     * The channel leaves this transfer's loop (deregistered, on that loop): what is in flight is cancelled, and the
     * transfer ends without finishing or failing its region once it has reported back; bytes its sends still got out
     * count as sent. The channel's next registration starts a fresh transfer where the region stands then.
     */
    final void detach() {
        if (!ended) {
            ended = true;
            detached = true;
            cancelWaits();
            cancel();
        }
        releaseIfIdle();
    }

    final boolean isDetached() {
        return detached;
    }

    private void releaseIfIdle() {
        if (ended && inFlightCount == 0 && !released) {
            released = true;
            try {
                home.runOnLoop(releaseResources);
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
        StringBuilder steps = new StringBuilder();
        for (int i = 0; i < MAX_STEPS; i++) {
            if (inFlight[i] != 0) {
                steps.append(steps.length() == 0 ? "" : ",").append(i);
            }
        }
        return getClass().getSimpleName() + "{" + strategy + ", fd=" + fd + ", position=" + position + ", end=" + end
                + ", inFlight=" + inFlightCount + " [" + steps + "]" + (ended ? ", ended" : "")
                + (detached ? ", detached" : "") + '}';
    }
}
