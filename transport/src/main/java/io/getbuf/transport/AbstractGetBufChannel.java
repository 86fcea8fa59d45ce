/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.netty.channel.AbstractChannel;
import io.netty.channel.Channel;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannel;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.net.SocketAddress;

/**
 * What server and stream channels share: the socket, the registration with the event loop's
 * {@link GetBufIoHandler}, and the close sequence. Close cancels every operation in flight and
 * closes the fd through the ring behind those cancellations; the registration ends only when
 * every operation has reported back, and each operation releases what it owns when it does.
 */
abstract class AbstractGetBufChannel extends AbstractChannel implements UnixChannel {
    private static final InternalLogger logger = InternalLoggerFactory.getInstance(AbstractGetBufChannel.class);
    static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);

    // the data field of our operations
    static final short DATA_READ = 1;
    static final short DATA_WRITE = 2;
    static final short DATA_CONNECT = 3;
    static final short DATA_ACCEPT = 4;
    static final short DATA_CLOSE = 5;
    static final short DATA_CANCEL = 6;
    static final short DATA_POLL_RDHUP = 7;
    static final short DATA_POLL_IN = 8;

    final GetBufSocket socket;
    volatile boolean active;
    volatile SocketAddress local;
    volatile SocketAddress remote;
    IoRegistration registration;
    private boolean drained = true; // no registration has operations of this channel in flight
    boolean readPending;
    long readOp;

    AbstractGetBufChannel(Channel parent, GetBufSocket socket, boolean active) {
        super(parent);
        this.socket = socket;
        this.active = active;
        if (active) {
            local = socket.localAddress();
            remote = socket.remoteAddress();
        }
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public FileDescriptor fd() {
        return socket;
    }

    @Override
    public boolean isOpen() {
        return socket.isOpen();
    }

    @Override
    public boolean isActive() {
        return active;
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return loop instanceof IoEventLoop && ((IoEventLoop) loop).isCompatible(AbstractGetBufUnsafe.class);
    }

    @Override
    protected SocketAddress localAddress0() {
        return local;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return remote;
    }

    @Override
    protected void doRegister(ChannelPromise promise) {
        ((IoEventLoop) eventLoop()).register((AbstractGetBufUnsafe) unsafe()).addListener(f -> {
            if (f.isSuccess()) {
                registration = (IoRegistration) f.getNow();
                drained = false;
                registeredActive();
                promise.setSuccess();
            } else {
                promise.setFailure(f.cause());
            }
        });
    }

    /** Registered while already active (an accepted or re-registered connection). */
    void registeredActive() {
    }

    @Override
    protected void doDeregister() {
        IoRegistration r = registration;
        if (r != null) {
            cancelOperations(r);
            r.cancel();
        }
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        socket.bind(localAddress);
        local = socket.localAddress();
    }

    @Override
    protected void doDisconnect() throws Exception {
        doClose();
    }

    @Override
    protected void doClose() throws Exception {
        active = false;
        IoRegistration r = registration;
        if (r != null && r.isValid() && eventLoop().inEventLoop()) {
            cancelOperations(r);
            if (socket.markClosedForRing()) {
                r.submit(GetBufIoOps.close(socket.intValue(), DATA_CLOSE));
            }
        } else {
            socket.close();
            if (drained) {
                // closed after its last registration ended: nothing else will free its memory
                ((AbstractGetBufUnsafe) unsafe()).freeResources();
            }
        }
    }

    /** Submits a cancellation for each operation of this channel in flight. */
    void cancelOperations(IoRegistration r) {
        if (readOp != 0) {
            cancel(r, readOp);
        }
    }

    static void cancel(IoRegistration r, long op) {
        r.submit(GetBufIoOps.cancel(op, DATA_CANCEL));
    }

    GetBufIoHandler handler() {
        return registration.attachment();
    }

    /** AUTO_READ went from true to false: stop reading what is not yet asked for. */
    final void clearReadPending() {
        if (!isRegistered()) {
            readPending = false;
            return;
        }
        if (eventLoop().inEventLoop()) {
            clearReadPending0();
        } else {
            eventLoop().execute(this::clearReadPending0);
        }
    }

    private void clearReadPending0() {
        readPending = false;
        IoRegistration r = registration;
        if (readOp != 0 && r != null && r.isValid()) {
            cancelRead(r);
        }
    }

    /** Cancels the read in flight; its completion still comes back and releases its buffer. */
    void cancelRead(IoRegistration r) {
        cancel(r, readOp);
    }

    abstract class AbstractGetBufUnsafe extends AbstractUnsafe implements GetBufIoHandle {
        @Override
        public final void handle(IoRegistration r, IoEvent ioEvent) {
            GetBufIoEvent event = (GetBufIoEvent) ioEvent;
            int res = event.res();
            int flags = event.flags();
            byte op = event.opcode();
            short data = event.data();
            if (eventLoop().inEventLoop()) {
                dispatch(res, flags, op, data);
            } else {
                // A completion of the registration this channel had before it moved to another
                // loop: process it where the channel lives now.
                eventLoop().execute(() -> dispatch(res, flags, op, data));
            }
        }

        private void dispatch(int res, int flags, byte op, short data) {
            try {
                dispatch0(res, flags, op, data);
            } catch (Throwable t) {
                // A failure of the transport's own follow-up (an allocator out of memory while
                // re-arming a read, say) would otherwise leave the channel neither reading nor
                // writing: report it and close, so the application sees it and resources go back.
                if (isOpen()) {
                    logger.debug("{} failed to handle a completion (op {}, res {})", AbstractGetBufChannel.this, op,
                            res, t);
                    pipeline().fireExceptionCaught(t);
                    close(voidPromise());
                } else {
                    // nobody else will hear of it
                    logger.warn("{} failed to handle a completion after close (op {}, res {})",
                            AbstractGetBufChannel.this, op, res, t);
                }
            }
        }

        private void dispatch0(int res, int flags, byte op, short data) {
            switch (data) {
                case DATA_READ:
                    readComplete(res, flags);
                    break;
                case DATA_WRITE:
                    writeComplete(res, flags);
                    break;
                case DATA_CONNECT:
                    connectComplete(res);
                    break;
                case DATA_ACCEPT:
                    acceptComplete(res, flags);
                    break;
                case DATA_POLL_RDHUP:
                    pollRdHupComplete(res);
                    break;
                case DATA_POLL_IN:
                    pollInComplete(res, flags);
                    break;
                case DATA_CLOSE:
                    if (res < 0) {
                        logger.debug("close({}) failed: {}", socket.intValue(), res);
                    }
                    break;
                case DATA_CANCEL:
                    // -ENOENT / -EALREADY: the operation had already finished or is finishing
                    break;
                default:
                    logger.warn("unexpected completion op={} data={} res={}", op, data, res);
            }
        }

        void readComplete(int res, int flags) {
            throw new IllegalStateException("no read in flight");
        }

        void writeComplete(int res, int flags) {
            throw new IllegalStateException("no write in flight");
        }

        void connectComplete(int res) {
            throw new IllegalStateException("no connect in flight");
        }

        void acceptComplete(int res, int flags) {
            throw new IllegalStateException("no accept in flight");
        }

        void pollRdHupComplete(int res) {
            throw new IllegalStateException("no poll in flight");
        }

        void pollInComplete(int res, int flags) {
            throw new IllegalStateException("no poll in flight");
        }

        @Override
        public void unregistered() {
            drained = true;
            if (!isOpen()) {
                freeResources();
            }
        }

        /** Every operation has reported back and the channel is closed: free native memory. */
        void freeResources() {
        }

        @Override
        public void close() {
            close(voidPromise());
        }

        /** True when a completion means the end of reading for good. */
        boolean isCancelled(int res) {
            return res == -Native.ERRNO_ECANCELED;
        }
    }
}
