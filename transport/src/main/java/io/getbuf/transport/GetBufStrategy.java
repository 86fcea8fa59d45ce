/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.unix.Errors;

import java.io.IOException;

/**
 * {@link GetBufFileStrategy#GET_BUF}: the file's own pages, no copy at all. Per chunk, {@code IORING_OP_GET_BUF}
 * installs the range's page-cache pages as a kernel buffer in an empty slot of the loop's buffer table, linked to a
 * {@code SEND_ZC} from that slot ({@code IORING_RECVSEND_FIXED_BUF}, {@code MSG_WAITALL}), whose socket takes its own
 * page references; the slot is emptied as soon as the send's result is in (batched with the loop's other table
 * updates) and the kernel gives the pages back to the file. Up to {@link #DEPTH} chunks per chain, as READ_FIXED.
 * A GET_BUF reports only when it fails ({@code IOSQE_CQE_SKIP_SUCCESS}): its send's result says it succeeded, so a
 * chunk costs two CQEs (the send's result and notification), not three; when one fails, the kernel silences the rest
 * of its chain and the transfer completes those steps itself ({@link FileTransfer#submitSilentOnSuccess}).
 *
 * <p>A file system without a GET_BUF provider answers {@code -EOPNOTSUPP} before anything is sent: its device is
 * remembered and the region goes on with another strategy ({@link NoProviderException}), the write does not fail.
 * A file that is not a regular file (a character device, say) speaks only for itself: that region goes on with
 * another strategy, and the next region of its device tries GET_BUF again.
 */
final class GetBufStrategy implements FileSendStrategy {
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_WAITALL = 0x100;
    private static final int MSG_MORE = 0x8000;
    /** Chunks (a GET_BUF and a send each) per chain. */
    static final int DEPTH = 4;
    /** Kernel buffers start at address 0 of their slot. */
    private static final long KERNEL_BUFFER_START = 0;

    /**
     * The region's file lends no pages: the region goes on with another strategy. {@link #wholeFileSystem} when the
     * file is a regular file, whose answer holds for every file of its file system ({@link #device}).
     */
    static final class NoProviderException extends FileTransfer.FallBack {
        private static final long serialVersionUID = 1L;
        final long device;
        final boolean wholeFileSystem;

        private NoProviderException(String message, long device, boolean wholeFileSystem) {
            super(message);
            this.device = device;
            this.wholeFileSystem = wholeFileSystem;
        }

        static NoProviderException ofFileSystem(long device, DefaultFileRegion region) {
            return new NoProviderException("no GET_BUF provider for the file system of " + region + " (device "
                    + device + ')', device, true);
        }

        static NoProviderException ofFile(DefaultFileRegion region) {
            return new NoProviderException("the file of " + region + " (not a regular file) lends no pages", -1,
                    false);
        }
    }

    private static final FileTransfer.FallBack NO_SLOT = new FileTransfer.FallBack(
            "no registered-buffer slot for GET_BUF: the loop's transfers hold their share");
    private static final FileTransfer.FallBack NO_PAGES = new FileTransfer.FallBack(
            "the ring holds as many lent pages as kernel.io_uring_get_buf_max_mb (or RLIMIT_MEMLOCK) allows");
    private final RegisteredBufferTable table;
    private final int chunkSize;

    GetBufStrategy(RegisteredBufferTable table, int chunkSize) {
        this.table = table;
        this.chunkSize = chunkSize;
    }

    @Override
    public GetBufFileStrategy kind() {
        return GetBufFileStrategy.GET_BUF;
    }

    @Override
    public boolean isAvailable() {
        return GetBuf.isGetBufSupported() && GetBuf.isSendZcSupported() && table.ensureRegistered()
                && table.userSlots() > 0;
    }

    @Override
    public FileTransfer newTransfer(FileTransfer.Host host) {
        return new Transfer(host);
    }

    private final class Transfer extends FileTransfer {
        private final int[] slots = new int[DEPTH]; // by chunk of the chain in flight, -1 once emptied
        private final int[] lengths = new int[DEPTH];
        private final long[] offsets = new long[DEPTH];
        private final int[] sendResults = new int[DEPTH]; // by chunk of the chain in flight, once reported
        private int reserved; // slots[0..reserved) taken by prepareToFollow for the next chain

        Transfer(FileTransfer.Host host) {
            super(host, GetBufFileStrategy.GET_BUF);
            java.util.Arrays.fill(slots, -1);
        }

        /** The most chunks a chain has here: a linked write may be ahead of them in the same chain. */
        private int depth() {
            return chainDepth(DEPTH, 1);
        }

        /** SQEs a write linked ahead of this transfer's next chain must reserve, itself included. */
        @Override
        int followerSqes() {
            return 1 + 2 * depth();
        }

        /** Takes a slot now, so that the next {@link #resume} surely submits a chain to follow a linked write. */
        @Override
        boolean prepareToFollow() {
            if (isEnded() || inFlightCount() > 0 || reserved > 0 || !host.canSubmit() || readableEnd() <= position
                    || table.transferShare() == 0) {
                return false;
            }
            slots[0] = table.takeTransferSlot();
            reserved = 1;
            return true;
        }

        @Override
        void resume() {
            if (isEnded() || inFlightCount() > 0 || !host.canSubmit()) {
                return;
            }
            if (endedByTruncation()) {
                return;
            }
            long limit = readableEnd();
            int want = (int) Math.min(depth(), (limit - position + chunkSize - 1) / chunkSize);
            boolean followsWrite = reserved > 0;
            int n = reserved;
            reserved = 0;
            for (int share = table.transferShare(); n < want && share > 0; share--) {
                slots[n++] = table.takeTransferSlot();
            }
            if (n == 0) {
                if (!table.awaitTransferSlot(resumeWhenFree)) {
                    // every slot transfers may hold is held, by sends to peers that may never read: this region
                    // goes on by a strategy that needs no slot rather than wait for them
                    end(NO_SLOT);
                }
                return;
            }
            reserve(2 * n);
            try {
                long offset = position;
                for (int k = 0; k < n; k++) {
                    int len = (int) Math.min(chunkSize, limit - offset);
                    lengths[k] = len;
                    offsets[k] = offset;
                    boolean last = k == n - 1;
                    GetBufIoOps ops = host.ops();
                    sendResults[k] = Integer.MIN_VALUE;
                    ops.getBuf(fd, offset, len, slots[k], dataOf(2 * k)).linked();
                    if (k == 0 && followsWrite) {
                        // after a linked write: its failure cancels this GET_BUF, and a GET_BUF cancelled in io-wq
                        // answers the same -ECANCELED, so only the write could tell which; this one reports always
                        submit(2 * k, ops);
                    } else {
                        // a CQE less per chunk: its send's result says it succeeded
                        submitSilentOnSuccess(2 * k, ops);
                    }
                    int msgFlags = MSG_NOSIGNAL | MSG_WAITALL | (offset + len < end ? MSG_MORE : 0);
                    // the kernel sends a GET_BUF buffer by page reference (the socket holds the pages, as for
                    // sendfile): its notification guards nothing, and the next chain or region need not wait for it
                    ops.sendZcFixed(host.socketFd(), KERNEL_BUFFER_START, len, msgFlags, slots[k],
                            unwatchedSendDataOf(2 * k + 1));
                    submit(2 * k + 1, last ? ops : ops.linked());
                    offset += len;
                }
            } finally {
                chainWritten(0, 2 * n);
            }
        }

        @Override
        boolean isSend(int step) {
            return (step & 1) != 0;
        }

        @Override
        void account(int step, int res) {
            if ((step & 1) != 0) {
                sendResults[step >> 1] = res;
            }
        }

        /**
         * A GET_BUF that reports failed by itself, unless the send before it in the chain fell short (then the kernel
         * cancelled it): a chain's first GET_BUF reports only for itself (one after a linked write is not silent).
         */
        @Override
        boolean failedItself(int step, int res) {
            int k = step >> 1;
            return k == 0 || sendResults[k - 1] == lengths[k - 1];
        }

        @Override
        void onComplete(int step, int res, int flags) {
            int k = step >> 1;
            if ((step & 1) == 0) {
                // GET_BUF: a short one (end of file) fails the link, so its send and the rest are cancelled
                readReturned(offsets[k], lengths[k], res);
                if (res == 0) {
                    end(truncated());
                } else if (res == -Native.ERRNO_ENOBUFS || res == -Native.ERRNO_ENOMEM) {
                    // the ring's table holds all the lent pages the kernel allows it (ENOMEM: the locked-memory limit
                    // of a user without CAP_IPC_LOCK, which lent pages count against): the slots of other transfers
                    // and held GetBufFiles buffers may stay taken for as long as their peers or users like, so the
                    // rest of this region goes by a strategy that lends no pages instead of failing or waiting
                    end(NO_PAGES);
                } else if (res == -Native.ERRNO_EOPNOTSUPP) {
                    // only a regular file speaks for its file system (a device node is its driver's, not its fs's)
                    end(Native.isRegularFile(fd) ? NoProviderException.ofFileSystem(Native.fileDevice(fd), region)
                            : NoProviderException.ofFile(region));
                } else if (res < 0 && res != -Native.ERRNO_ECANCELED) {
                    end(Errors.newIOException("GET_BUF of " + region + " at " + position, res));
                }
                return;
            }
            // the send's result: the socket holds its own page references, the slot can go
            emptySlot(k);
            if (res > 0) {
                advance(res);
            } else if (res < 0 && res != -Native.ERRNO_ECANCELED) {
                end(new SocketWriteException(Errors.newIOException("send", res)));
                return;
            }
            // a send short of its chunk (a cancellation mid-chain took the rest) or cancelled (the write this chain
            // followed was short, or the chain was cancelled): the next chain starts from the first byte not sent,
            // once the write's rest has gone; resume waits for that (the host says when it may submit)
            if (inFlightCount() == 0) {
                resume();
            }
        }

        private void emptySlot(int k) {
            if (slots[k] >= 0) {
                table.emptyLater(slots[k]);
                slots[k] = -1;
            }
        }

        @Override
        void cancelWaits() {
            table.cancelSlotWait(resumeWhenFree);
        }

        @Override
        void releaseResources() {
            for (int k = 0; k < reserved; k++) { // taken for a link that was never submitted: nothing is in them
                table.returnEmptySlot(slots[k]);
                slots[k] = -1;
            }
            reserved = 0;
            cancelWaits();
            for (int k = 0; k < DEPTH; k++) {
                emptySlot(k); // every send reported back: only slots of a chain cut short are left
            }
        }
    }
}
