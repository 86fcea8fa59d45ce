/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.netty.buffer.ByteBuf;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.unix.Errors;


/**
 * {@link GetBufFileStrategy#READ_FIXED} and {@link GetBufFileStrategy#COPY}: the file is read into user memory and
 * sent from it, several chunks per submission as one chain: read 1 -> send 1 -> read 2 -> send 2 ...
 * ({@code IOSQE_IO_LINK}: each starts when the one before it succeeded, so the bytes leave in order and a short read
 * stops the chain before a send of bytes that were not read). Sends wait for all their bytes
 * ({@code MSG_WAITALL}). READ_FIXED reads into chunks of the loop's registered-buffer table
 * ({@code IORING_OP_READ_FIXED}); COPY reads ({@code IORING_OP_READ}) into buffers of the channel's allocator.
 * After a chain, the next one starts from the first byte not sent; a file that ends early fails the write.
 */
final class ReadSendStrategy implements FileSendStrategy {
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_WAITALL = 0x100;
    private static final int MSG_MORE = 0x8000;
    /** Chunks per chain (a read and a send each). */
    static final int DEPTH = 4;
    /** COPY's chunk size: its buffers come from the channel's allocator. */
    static final int COPY_CHUNK = 256 * 1024;

    private final GetBufFileStrategy kind;
    private final FileChunks chunks; // READ_FIXED and READ_FIXED_ZC only
    private final FileTransfer.FallBack noChunk;

    private ReadSendStrategy(GetBufFileStrategy kind, FileChunks chunks) {
        this.kind = kind;
        this.chunks = chunks;
        this.noChunk = new FileTransfer.FallBack("no registered file chunk for " + kind
                + ": the loop's transfers hold them all");
    }

    static ReadSendStrategy readFixed(FileChunks chunks) {
        return new ReadSendStrategy(GetBufFileStrategy.READ_FIXED, chunks);
    }

    static ReadSendStrategy readFixedZeroCopy(FileChunks chunks) {
        return new ReadSendStrategy(GetBufFileStrategy.READ_FIXED_ZC, chunks);
    }

    static ReadSendStrategy copy() {
        return new ReadSendStrategy(GetBufFileStrategy.COPY, null);
    }

    @Override
    public GetBufFileStrategy kind() {
        return kind;
    }

    @Override
    public boolean isAvailable() {
        if (kind == GetBufFileStrategy.COPY) {
            return true;
        }
        if (kind == GetBufFileStrategy.READ_FIXED_ZC && !GetBuf.isSendZcSupported()) {
            return false;
        }
        return GetBuf.isRegisteredBuffersSupported() && chunks.ensureRegistered();
    }

    @Override
    public FileTransfer newTransfer(FileTransfer.Host host) {
        return new Transfer(host);
    }

    private final class Transfer extends FileTransfer {
        // what the transfer holds for its chains, for its whole life: registered chunks, or COPY's buffers
        private final FileChunks.Chunk[] registered = new FileChunks.Chunk[DEPTH];
        private final ByteBuf[] bufs = new ByteBuf[DEPTH];
        private final long[] addresses = new long[DEPTH];
        private final int[] sizes = new int[DEPTH];
        private int held;
        private final long[] offsets = new long[DEPTH];
        private final int[] lengths = new int[DEPTH];

        Transfer(FileTransfer.Host host) {
            super(host, kind);
        }

        @Override
        void resume() {
            if (isEnded() || inFlightCount() > 0 || !host.canSubmit()) {
                return;
            }
            if (endedByTruncation()) {
                return;
            }
            if (!takeChunks()) {
                return;
            }
            long limit = readableEnd();
            int n = 0;
            for (long offset = position; n < held && offset < limit; n++) {
                offset += Math.min(sizes[n], limit - offset);
            }
            reserve(2 * n);
            try {
                long offset = position;
                for (int k = 0; k < n; k++) {
                    int len = (int) Math.min(sizes[k], limit - offset);
                    offsets[k] = offset;
                    lengths[k] = len;
                    boolean last = k == n - 1;
                    GetBufIoOps ops = host.ops();
                    if (registered[k] != null) {
                        ops.readFixed(fd, offset, addresses[k], len, registered[k].slot, dataOf(2 * k));
                    } else {
                        ops.readAt(fd, offset, addresses[k], len, dataOf(2 * k));
                    }
                    submit(2 * k, ops.linked());
                    int msgFlags = MSG_NOSIGNAL | MSG_WAITALL | (offset + len < end ? MSG_MORE : 0);
                    if (kind == GetBufFileStrategy.READ_FIXED_ZC) {
                        ops.sendZcFixed(host.socketFd(), addresses[k], len, msgFlags, registered[k].slot,
                                dataOf(2 * k + 1));
                    } else {
                        ops.send(host.socketFd(), addresses[k], len, msgFlags, dataOf(2 * k + 1));
                    }
                    submit(2 * k + 1, last ? ops : ops.linked());
                    offset += len;
                }
            } finally {
                chainWritten(0, 2 * n);
            }
        }

        /**
         * Makes sure the transfer holds chunks for a chain (it keeps them to its end); false when it has none and
         * the transfer ended: the loop's chunks are held by other transfers, for as long as their peers take (falls
         * back), or COPY's allocator gave no direct memory.
         */
        private boolean takeChunks() {
            int depth = chainDepth(DEPTH, 0);
            int share = chunks != null ? chunks.share() : depth;
            while (held < depth && (long) held * chunkSize() < remaining() && share-- > 0) {
                if (chunks != null) {
                    FileChunks.Chunk c = chunks.lend();
                    registered[held] = c;
                    addresses[held] = c.address;
                    sizes[held] = c.size;
                } else {
                    // no bigger than what is left: a small file's response takes a small (thread-cached) buffer
                    ByteBuf b = host.alloc().directBuffer((int) Math.min(COPY_CHUNK, remaining() - (long) held * COPY_CHUNK));
                    if (!b.hasMemoryAddress()) {
                        b.release();
                        end(new UnsupportedOperationException("COPY needs direct buffers with a memory address"));
                        return false;
                    }
                    bufs[held] = b;
                    addresses[held] = b.memoryAddress();
                    sizes[held] = b.capacity();
                }
                held++;
            }
            if (held == 0) {
                end(noChunk);
                return false;
            }
            return true;
        }

        private int chunkSize() {
            return chunks != null ? chunks.chunkSize() : COPY_CHUNK;
        }

        @Override
        boolean isSend(int step) {
            return (step & 1) != 0;
        }

        @Override
        void onComplete(int step, int res, int flags) {
            if ((step & 1) == 0) {
                // a read: a short one fails the link, so nothing unread is sent; the next chain starts again
                // from the first byte not sent and reads no further than this one got
                readReturned(offsets[step >> 1], lengths[step >> 1], res);
                if (res == 0) {
                    end(truncated());
                    return;
                }
                if (res < 0 && res != -Native.ERRNO_ECANCELED) {
                    end(Errors.newIOException("read of " + region, res));
                    return;
                }
            } else if (res > 0) {
                advance(res);
            } else if (res < 0 && res != -Native.ERRNO_ECANCELED) {
                end(new SocketWriteException(Errors.newIOException("send", res)));
                return;
            }
            if (inFlightCount() == 0) {
                resume(); // the chain is done: the next one
            }
        }

        @Override
        void releaseResources() {
            for (int k = 0; k < held; k++) {
                if (registered[k] != null) {
                    chunks.giveBack(registered[k]);
                    registered[k] = null;
                } else {
                    bufs[k].release();
                    bufs[k] = null;
                }
            }
            held = 0;
        }
    }
}
