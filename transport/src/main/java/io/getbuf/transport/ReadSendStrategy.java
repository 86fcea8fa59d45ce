/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.netty.buffer.ByteBuf;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.unix.Errors;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

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
    private final Supplier<RegisteredBufferTable> table; // READ_FIXED and READ_FIXED_ZC only

    private ReadSendStrategy(GetBufFileStrategy kind, Supplier<RegisteredBufferTable> table) {
        this.kind = kind;
        this.table = table;
    }

    static ReadSendStrategy readFixed(Supplier<RegisteredBufferTable> table) {
        return new ReadSendStrategy(GetBufFileStrategy.READ_FIXED, table);
    }

    static ReadSendStrategy readFixedZeroCopy(Supplier<RegisteredBufferTable> table) {
        return new ReadSendStrategy(GetBufFileStrategy.READ_FIXED_ZC, table);
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
        return GetBuf.isRegisteredBuffersSupported() && table.get().ensureRegistered();
    }

    @Override
    public FileTransfer newTransfer(FileTransfer.Host host, DefaultFileRegion region, int fd) {
        return new Transfer(host, region, fd);
    }

    /** A chunk of memory a transfer reads into and sends from: a registered chunk or an allocator's buffer. */
    private static final class Chunk {
        final RegisteredBufferTable.Chunk registered;
        final ByteBuf buf;
        final long address;
        final int size;

        Chunk(RegisteredBufferTable.Chunk registered) {
            this.registered = registered;
            this.buf = null;
            this.address = registered.address;
            this.size = registered.size;
        }

        Chunk(ByteBuf buf) {
            this.registered = null;
            this.buf = buf;
            this.address = buf.memoryAddress();
            this.size = buf.capacity();
        }
    }

    private final class Transfer extends FileTransfer {
        private final Runnable whenChunkFree = this::resume;
        private final List<Chunk> chunks = new ArrayList<>(DEPTH);
        private final long[] offsets = new long[DEPTH];
        private final int[] lengths = new int[DEPTH];

        Transfer(FileTransfer.Host host, DefaultFileRegion region, int fd) {
            super(host, region, fd, kind);
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
                return; // every chunk of the loop is lent: back when one comes back
            }
            long limit = readableEnd();
            long offset = position;
            int n = 0;
            for (Chunk c : chunks) {
                if (offset >= limit) {
                    break;
                }
                int len = (int) Math.min(c.size, limit - offset);
                offsets[n] = offset;
                lengths[n] = len;
                boolean last = offset + len >= limit || n == chunks.size() - 1;
                GetBufIoOps ops = host.ops();
                if (c.registered != null) {
                    ops.readFixed(fd, offset, c.address, len, c.registered.slot, dataOf(2 * n));
                } else {
                    ops.readAt(fd, offset, c.address, len, dataOf(2 * n));
                }
                submit(2 * n, ops.linked());
                int msgFlags = MSG_NOSIGNAL | MSG_WAITALL | (offset + len < end ? MSG_MORE : 0);
                if (kind == GetBufFileStrategy.READ_FIXED_ZC) {
                    ops.sendZcFixed(host.socketFd(), c.address, len, msgFlags, c.registered.slot, dataOf(2 * n + 1));
                } else {
                    ops.send(host.socketFd(), c.address, len, msgFlags, dataOf(2 * n + 1));
                }
                submit(2 * n + 1, last ? ops : ops.linked());
                offset += len;
                n++;
            }
        }

        /** Makes sure the transfer holds chunks for one chain; false when it holds none and waits for one. */
        private boolean takeChunks() {
            while (chunks.size() < DEPTH && (long) chunks.size() * chunkSize() < remaining()) {
                Chunk c;
                if (table != null) {
                    RegisteredBufferTable.Chunk r = table.get().lend(whenChunkFree);
                    if (r == null) {
                        break;
                    }
                    c = new Chunk(r);
                } else {
                    c = new Chunk(host.alloc().directBuffer(COPY_CHUNK));
                    if (!c.buf.hasMemoryAddress()) {
                        c.buf.release();
                        end(new UnsupportedOperationException("COPY needs direct buffers with a memory address"));
                        return false;
                    }
                }
                chunks.add(c);
            }
            return !chunks.isEmpty();
        }

        private int chunkSize() {
            return table != null ? table.get().chunkSize() : COPY_CHUNK;
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
            if (table != null) {
                table.get().cancelWait(whenChunkFree);
            }
            for (Chunk c : chunks) {
                if (c.registered != null) {
                    table.get().giveBack(c.registered);
                } else {
                    c.buf.release();
                }
            }
            chunks.clear();
        }
    }
}
