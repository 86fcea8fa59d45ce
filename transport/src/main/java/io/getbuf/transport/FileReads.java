/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.unix.Errors;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

/**
 * The file reads of one event loop ({@link GetBufFiles#read}): each read owns a duplicate of the caller's fd until its
 * last operation reported back. With GET_BUF it takes an empty slot, has the kernel lend the range's pages there and
 * maps the same range read-only for Java ({@link LentFileByteBuf}); without it (or on a file system that lends no
 * pages) it reads into a registered buffer with {@code IORING_OP_READ_FIXED}. The mappings are {@link FileMappings}'s,
 * which reads of the same file share. Reads wait for a slot when every slot
 * is in use (back-pressure). Event loop only, except {@link #read}.
 */
final class FileReads implements GetBufIoHandle {
    /** Read numbers travel in the operation's 16-bit data field. */
    private static final int MAX_READS = 1 << 15;

    /** One read in progress. */
    private static final class Read {
        int fd; // -1 once closed
        final long offset;
        final int length;
        final Promise<ByteBuf> promise;
        int id = -1;
        int slot = -1;
        RegisteredByteBuf buffer; // READ_FIXED: the buffer being filled
        int filled;

        Read(int fd, long offset, int length, Promise<ByteBuf> promise) {
            this.fd = fd;
            this.offset = offset;
            this.length = length;
            this.promise = promise;
        }
    }

    private final GetBufIoHandler handler;
    private final FileSendStrategies strategies;
    private final EventExecutor loop;
    private final GetBufIoOps ops = new GetBufIoOps();
    private final FileMappings mappings;
    private final Map<Integer, Read> inFlight = new HashMap<>();
    private final ArrayDeque<Read> waitingForSlot = new ArrayDeque<>();
    private final Runnable serveWaiting = this::serveWaiting;
    private IoRegistration registration;
    private int nextId;
    private boolean closed;

    FileReads(GetBufIoHandler handler, FileSendStrategies strategies, EventExecutor loop) {
        this.handler = handler;
        this.strategies = strategies;
        this.loop = loop;
        this.mappings = new FileMappings(loop, handler.fileSendStats());
    }

    /**
     * Reads up to {@code length} bytes of {@code fd} at {@code offset}; {@code fd} is this read's from now on (it is
     * closed once the read is over). From any thread.
     */
    Future<ByteBuf> read(int fd, long offset, int length) {
        Promise<ByteBuf> promise = loop.newPromise();
        Read r = new Read(fd, offset, length, promise);
        if (loop.inEventLoop()) {
            start(r);
        } else {
            try {
                loop.execute(() -> start(r));
            } catch (RejectedExecutionException e) {
                Native.close(fd);
                promise.setFailure(new IllegalStateException("the event loop is shut down", e));
            }
        }
        return promise;
    }

    private void start(Read r) {
        if (closed || !ensureRegistered()) {
            fail(r, new IllegalStateException("the event loop is shut down"));
            return;
        }
        if (usesGetBuf(r)) {
            if (!waitingForSlot.isEmpty() || !submitGetBuf(r)) {
                waitingForSlot.add(r);
            }
        } else {
            readFixed(r);
        }
    }

    private boolean ensureRegistered() {
        if (registration == null) {
            try {
                registration = handler.register(this);
            } catch (IllegalStateException e) {
                return false;
            }
        }
        return registration.isValid();
    }

    private boolean usesGetBuf(Read r) {
        FileSendStrategy getBuf = strategies.strategy(GetBufFileStrategy.GET_BUF);
        return getBuf.isAvailable() && !strategies.lendsNoPages(r.fd);
    }

    /** GET_BUF into an empty slot; false when every slot is in use. */
    private boolean submitGetBuf(Read r) {
        if (r.promise.isDone()) {
            closeFd(r); // cancelled while waiting
            return true;
        }
        int slot = strategies.table().takeEmptySlotOrReclaim(serveWaiting);
        if (slot < 0) {
            return false;
        }
        r.slot = slot;
        submit(r, ops.getBuf(r.fd, r.offset, r.length, slot, number(r)));
        return true;
    }

    private void serveWaiting() {
        Read r;
        while ((r = waitingForSlot.peekFirst()) != null) {
            boolean submitted;
            try {
                submitted = submitGetBuf(r);
            } catch (Throwable t) {
                fail(r, t); // this read's failure, not the releaser's
                submitted = true;
            }
            if (!submitted) {
                return;
            }
            waitingForSlot.pollFirst();
        }
    }

    /** READ_FIXED into a registered buffer (which waits for a slot by itself). */
    private void readFixed(Read r) {
        strategies.registeredBuffers().allocate(r.length).addListener((Future<ByteBuf> f) -> {
            if (!f.isSuccess()) {
                fail(r, f.cause());
                return;
            }
            r.buffer = (RegisteredByteBuf) f.getNow();
            if (closed || r.promise.isDone()) {
                r.buffer.release();
                fail(r, new IllegalStateException("the event loop is shut down"));
                return;
            }
            submitReadFixed(r);
        });
    }

    private void submitReadFixed(Read r) {
        RegisteredByteBuf b = r.buffer;
        submit(r, ops.readFixed(r.fd, r.offset + r.filled, b.memoryAddress() + r.filled, r.length - r.filled,
                b.slot(), number(r)));
    }

    private short number(Read r) {
        if (r.id < 0) {
            do {
                nextId = (nextId + 1) % MAX_READS;
            } while (inFlight.containsKey(nextId));
            r.id = nextId;
            inFlight.put(r.id, r);
        }
        return (short) r.id;
    }

    private void submit(Read r, GetBufIoOps o) {
        if (registration.submit(o) == 0) {
            inFlight.remove(r.id);
            r.id = -1;
            if (r.slot >= 0) {
                strategies.table().returnEmptySlot(r.slot);
            }
            releaseBuffer(r);
            fail(r, new IllegalStateException("the event loop is shut down"));
        }
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        GetBufIoEvent e = (GetBufIoEvent) event;
        Read r = inFlight.remove(e.data() & 0xffff);
        if (r == null) {
            return;
        }
        r.id = -1; // the number is free again: a read that goes on takes a new one
        if (e.opcode() == Native.IORING_OP_READ_FIXED) {
            readFixedComplete(r, e.res());
        } else {
            getBufComplete(r, e.res());
        }
    }

    private void getBufComplete(Read r, int res) {
        RegisteredBufferTable table = strategies.table();
        if (res == -Native.ERRNO_EOPNOTSUPP || res == -Native.ERRNO_ENOBUFS || res == -Native.ERRNO_ENOMEM) {
            table.returnEmptySlot(r.slot); // nothing was put there
            r.slot = -1;
            // ENOBUFS / ENOMEM: the table holds all the lent pages the kernel allows it (io_uring_get_buf_max_mb,
            // or RLIMIT_MEMLOCK without CAP_IPC_LOCK)
            if (res == -Native.ERRNO_EOPNOTSUPP && Native.isRegularFile(r.fd)) {
                strategies.noProvider(Native.fileDevice(r.fd)); // this file system lends no pages
            }
            readFixed(r); // read the bytes instead (a directory fails there, with its own error)
            return;
        }
        if (res <= 0) {
            table.returnEmptySlot(r.slot);
            if (res == 0) {
                succeed(r, Unpooled.EMPTY_BUFFER.asReadOnly(), GetBufFileStrategy.GET_BUF); // at or after the end of the file
            } else {
                fail(r, Errors.newIOException("GET_BUF of " + r.length + " bytes at " + r.offset, res));
            }
            return;
        }
        FileMappings.Mapping mapping;
        try {
            mapping = mappings.map(r.fd, r.offset, res);
        } catch (IOException e) {
            table.emptyLater(r.slot);
            fail(r, e);
            return;
        }
        ByteBuf buf = new LentFileByteBuf(table, loop, r.slot, mapping, mapping.addressOf(r.offset), res);
        succeed(r, buf, GetBufFileStrategy.GET_BUF);
    }

    private void readFixedComplete(Read r, int res) {
        if (res < 0) {
            releaseBuffer(r);
            fail(r, Errors.newIOException("READ_FIXED of " + r.length + " bytes at " + r.offset, res));
            return;
        }
        r.filled += res;
        if (res > 0 && r.filled < r.length && !closed) {
            submitReadFixed(r); // a short read before the end of the file: read on
            return;
        }
        RegisteredByteBuf b = r.buffer;
        r.buffer = null;
        b.writerIndex(r.filled);
        b.makeReadOnly();
        succeed(r, b, GetBufFileStrategy.READ_FIXED);
    }

    private void succeed(Read r, ByteBuf buf, GetBufFileStrategy how) {
        closeFd(r);
        handler.fileSendStats().addRead(how, buf.readableBytes());
        if (!r.promise.trySuccess(buf)) {
            buf.release(); // cancelled meanwhile
        }
    }

    private void fail(Read r, Throwable cause) {
        closeFd(r);
        r.promise.tryFailure(cause instanceof IOException || cause instanceof IllegalStateException
                ? cause : new IOException(cause));
    }

    private static void closeFd(Read r) {
        if (r.fd >= 0) {
            Native.close(r.fd);
            r.fd = -1;
        }
    }

    private static void releaseBuffer(Read r) {
        if (r.buffer != null) {
            r.buffer.release();
            r.buffer = null;
        }
    }

    /** Reads with an operation in flight (tests). */
    int inFlight() {
        return inFlight.size();
    }

    /** The loop's cached file mappings (tests). */
    FileMappings mappings() {
        return mappings;
    }

    /** The loop is ending: reads waiting for a slot fail; those in flight finish as their operations report back. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        mappings.close(); // reads still in flight map ranges of their own from now on
        strategies.table().cancelSlotWait(serveWaiting);
        IllegalStateException cause = new IllegalStateException("the event loop is shut down");
        for (Read r : waitingForSlot) {
            fail(r, cause);
        }
        waitingForSlot.clear();
        if (registration != null) {
            registration.cancel();
        }
    }

    @Override
    public void unregistered() {
    }
}
