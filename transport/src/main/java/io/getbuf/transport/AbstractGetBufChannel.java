/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.netty.buffer.ByteBuf;
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
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.RejectedExecutionException;

/**
 * What server and stream channels share: the socket, the registration with the event loop's
 * {@link GetBufIoHandler}, and the close sequence. Close cancels every operation in flight; the
 * registration ends only when every operation has reported back, each operation releases what it
 * owns when it does, and only then is the fd closed: no operation can outlive its fd number.
 */
abstract class AbstractGetBufChannel extends AbstractChannel implements UnixChannel {
    private static final InternalLogger logger = InternalLoggerFactory.getInstance(AbstractGetBufChannel.class);
    static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);

    // the data field of our operations
    static final short DATA_READ = 1;
    static final short DATA_WRITE = 2;
    static final short DATA_CONNECT = 3;
    static final short DATA_ACCEPT = 4;
    static final short DATA_CANCEL = 6;
    static final short DATA_POLL_RDHUP = 7;
    static final short DATA_POLL_IN = 8;
    /** An operation of the channel's {@link FileTransfer}; its step is in the data field's high byte. */
    static final short DATA_FILE = 9;
    static final int DATA_STEP_SHIFT = 8;
    /** A SEND_ZC of a registered buffer; the number of the reference it holds is in the data field's high byte. */
    static final short DATA_SEND_ZC = 10;
    /**
     * A SEND_ZC of a {@link FileTransfer} whose notification guards nothing the transfer holds (a GET_BUF buffer's
     * socket takes its own page references): its result ends the step, and the notification, which comes later, is
     * only the registration's business. Its step is in the data field's high byte, as {@link #DATA_FILE}'s.
     */
    static final short DATA_FILE_UNWATCHED = 11;
    /** UDP: a RECVMSG / SENDMSG of a {@link GetBufDatagramChannel}; its slot is in the data field's high byte. */
    static final short DATA_DGRAM_RECV = 20;
    static final short DATA_DGRAM_SEND = 21;
    private static final int DATA_KIND_MASK = 0xff;

    final GetBufSocket socket;
    // every SQE this channel submits is described here first (event loop only; submit copies it)
    final GetBufIoOps ops = new GetBufIoOps();
    final RegistrationLifecycle lifecycle = new RegistrationLifecycle();
    volatile boolean active;
    volatile SocketAddress local;
    volatile SocketAddress remote;
    IoRegistration registration;
    boolean readPending;
    long readOp;

    AbstractGetBufChannel(Channel parent, GetBufSocket socket, boolean active) {
        super(parent);
        this.socket = socket;
        this.active = active;
        if (active) {
            local = localAddressOfSocket();
            remote = remoteAddressOfSocket();
        }
    }

    /** The socket's own address as the kernel has it (called from the constructor too: no subclass state). */
    SocketAddress localAddressOfSocket() {
        return socket.localAddress();
    }

    /** The peer's address as the kernel has it (called from the constructor too: no subclass state). */
    SocketAddress remoteAddressOfSocket() {
        return socket.remoteAddress();
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

    /**
     * Registers with the event loop's ring once the previous registration (if the channel moved here from another
     * loop without waiting for its deregistration to complete) has ended: two rings never drive one channel.
     */
    @Override
    protected void doRegister(ChannelPromise promise) {
        if (lifecycle.whenUnregistered(() -> eventLoop().execute(() -> registerNow(promise)))) {
            registerNow(promise);
        }
    }

    private void registerNow(ChannelPromise promise) {
        if (!isOpen()) {
            // closed while waiting for the previous registration to end
            promise.setFailure(new ClosedChannelException());
            return;
        }
        ((IoEventLoop) eventLoop()).register((AbstractGetBufUnsafe) unsafe()).addListener(f -> {
            if (f.isSuccess()) {
                registration = (IoRegistration) f.getNow();
                lifecycle.registered();
                registeredActive();
                promise.setSuccess();
            } else {
                promise.setFailure(f.cause());
            }
        });
    }

    /**
     * Registered while already active (an accepted connection, or one that moved here from another loop): resume
     * what the previous registration's end cancelled.
     */
    void registeredActive() {
    }

    @Override
    protected void doDeregister() {
        IoRegistration r = registration;
        if (r != null && lifecycle.deregistering()) {
            cancelOperations(r);
            r.cancel();
        }
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        socket.bind(localAddress);
        local = localAddressOfSocket();
    }

    @Override
    protected void doDisconnect() throws Exception {
        doClose();
    }

    @Override
    protected void doClose() throws Exception {
        boolean wasActive = active;
        active = false;
        IoRegistration r = registration;
        switch (lifecycle.close()) {
            case AT_DRAIN:
                // Operations of the registration still name the fd, and linked ones the kernel has not issued yet
                // look the number up only when it issues them: closed now, the number could be reused by another
                // socket first and get what they send. So everything in flight is cancelled and the fd is closed
                // when the last of them has reported back (see AbstractGetBufUnsafe#unregistered), after the
                // deregistration that follows every close. What the socket's close would do to the connection, though,
                // happens now: an operation that waits for a peer that never reads fails at once instead of waiting
                // for a cancellation it can slip past.
                try {
                    endConnectionForClose(wasActive);
                } catch (Throwable t) {
                    // a close must close: an exception here would leave the channel open for good
                    logger.debug("{} could not end its connection before closing", this, t);
                }
                socket.markClosedForDrain();
                if (r != null && lifecycle.phase() == RegistrationLifecycle.Phase.REGISTERED) {
                    if (eventLoop().inEventLoop()) {
                        cancelOperations(r);
                    } else {
                        eventLoop().execute(() -> cancelOperations(r));
                    }
                }
                break;
            case NOW:
                socket.close();
                ((AbstractGetBufUnsafe) unsafe()).freeResources();
                break;
            default:
                break;
        }
    }

    /**
     * The channel closes with operations in flight and its fd stays open until they have reported back: do to the
     * connection what closing the fd would, so that none of them can wait on it (a send to a peer that does not read).
     */
    void endConnectionForClose(boolean wasActive) {
    }

    /** Runs {@code task} on {@code loop}, or here if that loop has shut down. */
    static void runOn(EventLoop loop, Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            // the loop the channel moved to is gone: nothing else runs for the channel any more
            task.run();
        }
    }

    /** True while operations can be submitted: registered, and the registration is not ending. */
    final boolean canSubmit() {
        IoRegistration r = registration;
        return r != null && r.isValid();
    }

    /** Submits a cancellation for each operation of this channel in flight. */
    void cancelOperations(IoRegistration r) {
        if (readOp != 0) {
            cancel(r, readOp);
        }
    }

    final void cancel(IoRegistration r, long op) {
        r.submit(ops.cancel(op, DATA_CANCEL));
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

    void clearReadPending0() {
        readPending = false;
        if (readOp != 0 && canSubmit()) {
            cancelRead(registration);
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
            // A buffer the kernel picked from a provided-buffer ring belongs to the ring of this completion's loop
            // (the channel may live on another loop by now): take it here, on that ring's own thread.
            ByteBuf ringBuf = (flags & Native.IORING_CQE_F_BUFFER) != 0 ? takeRingBuffer(r, res, flags) : null;
            EventLoop loop = eventLoop();
            if (loop.inEventLoop()) {
                dispatch(res, flags, op, data, ringBuf);
            } else {
                // A completion of the registration this channel had before it moved to another loop: process it
                // where the channel lives now, in order with the rest.
                runOn(loop, () -> dispatch(res, flags, op, data, ringBuf));
            }
        }

        ByteBuf takeRingBuffer(IoRegistration r, int res, int flags) {
            throw new IllegalStateException("no buffer-ring read in flight");
        }

        private void dispatch(int res, int flags, byte op, short data, ByteBuf ringBuf) {
            try {
                dispatch0(res, flags, op, data, ringBuf);
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

        private void dispatch0(int res, int flags, byte op, short data, ByteBuf ringBuf) {
            switch (data & DATA_KIND_MASK) {
                case DATA_READ:
                    readComplete(res, flags, ringBuf);
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
                case DATA_FILE:
                    fileComplete((data & 0xffff) >>> DATA_STEP_SHIFT, res, flags);
                    break;
                case DATA_FILE_UNWATCHED:
                    if ((flags & Native.IORING_CQE_F_NOTIF) == 0) {
                        // the result: the step is over (the loop counts the notification still to come for the
                        // registration, and it names neither the fd nor anything of the transfer's)
                        fileComplete((data & 0xffff) >>> DATA_STEP_SHIFT, res, flags & ~Native.IORING_CQE_F_MORE);
                    }
                    break;
                case DATA_SEND_ZC:
                    sendZcComplete((data & 0xffff) >>> DATA_STEP_SHIFT, res, flags);
                    break;
                case DATA_DGRAM_RECV:
                    datagramRecvComplete((data & 0xffff) >>> DATA_STEP_SHIFT, res, flags);
                    break;
                case DATA_DGRAM_SEND:
                    datagramSendComplete((data & 0xffff) >>> DATA_STEP_SHIFT, res, flags);
                    break;
                case DATA_CANCEL:
                    // -ENOENT / -EALREADY: the operation had already finished or is finishing
                    break;
                default:
                    logger.warn("unexpected completion op={} data={} res={}", op, data, res);
            }
        }

        void readComplete(int res, int flags, ByteBuf ringBuf) {
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

        void fileComplete(int step, int res, int flags) {
            throw new IllegalStateException("no file transfer in flight");
        }

        void sendZcComplete(int serial, int res, int flags) {
            throw new IllegalStateException("no zero-copy send in flight");
        }

        void datagramRecvComplete(int slot, int res, int flags) {
            throw new IllegalStateException("no datagram receive in flight");
        }

        void datagramSendComplete(int slot, int res, int flags) {
            throw new IllegalStateException("no datagram send in flight");
        }

        /**
         * The registration's last operation has reported back (called on that registration's loop). What waited for
         * it runs where the channel lives now, after the completions forwarded there before it.
         */
        @Override
        public void unregistered() {
            EventLoop loop = eventLoop();
            if (loop.inEventLoop()) {
                registrationEnded();
            } else {
                runOn(loop, this::registrationEnded);
            }
        }

        /**
         * No operation that names the fd is left (only zero-copy notifications, which a silent peer may hold back for
         * as long as the socket lives): a closed channel's fd goes now, on the registration's loop. The socket then
         * lives on in the kernel until its data is delivered, and its notifications end the registration.
         */
        @Override
        public void fdIdle() {
            if (lifecycle.takeFdClose()) {
                closeFd();
            }
        }

        private void closeFd() {
            int res = Native.close(socket.intValue());
            if (res < 0) {
                logger.debug("close({}) failed: {}", socket.intValue(), res);
            }
        }

        private void registrationEnded() {
            RegistrationLifecycle.Drained d = lifecycle.drained();
            if (d.closeFd) {
                // closed while the registration was ending: the fd stayed open for its operations until now
                closeFd();
            }
            if (d.free) {
                freeResources();
            }
            if (d.then != null) {
                for (Runnable task : d.then) {
                    task.run();
                }
            }
        }

        /**
         * Deregistration completes its promise only once the registration has ended: registering the channel
         * elsewhere earlier would have two rings drive it, and a caller that closes it afterwards must find no
         * operation left that names its fd.
         */
        @Override
        public void deregister(ChannelPromise promise) {
            ChannelPromise netty = newPromise();
            netty.addListener(f -> {
                if (!f.isSuccess()) {
                    promise.tryFailure(f.cause());
                } else if (lifecycle.whenUnregistered(promise::trySuccess)) {
                    promise.trySuccess();
                }
            });
            super.deregister(netty);
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
