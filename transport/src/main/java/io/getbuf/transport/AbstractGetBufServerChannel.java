/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.IoRegistration;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.ServerChannel;
import io.netty.channel.unix.Errors;

import java.net.SocketAddress;

/**
 * A listening socket driven by io_uring: a multishot accept while AUTO_READ is on (one
 * submission for any number of connections), a single accept per {@code read()} otherwise.
 * TCP ({@link GetBufServerSocketChannel}) and Unix domain sockets ({@link GetBufServerDomainSocketChannel})
 * differ only in the addresses and the children they make.
 */
abstract class AbstractGetBufServerChannel extends AbstractGetBufChannel implements ServerChannel {
    private static final int SOCK_NONBLOCK = 04000;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int EMFILE = 24;
    private static final int ENFILE = 23;

    private final GetBufServerSocketChannelConfig config;
    private boolean acceptMultishot;

    AbstractGetBufServerChannel(GetBufSocket socket) {
        super(null, socket, false);
        config = new GetBufServerSocketChannelConfig(this, socket);
    }

    @Override
    public GetBufServerSocketChannelConfig config() {
        return config;
    }

    /** The channel of a connection accepted on {@code child}. */
    abstract Channel newChildChannel(GetBufSocket child);

    @Override
    protected SocketAddress remoteAddress0() {
        return null;
    }

    @Override
    protected AbstractGetBufUnsafe newUnsafe() {
        return new ServerUnsafe();
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        super.doBind(localAddress);
        socket.listen(config.getBacklog());
        active = true;
    }

    @Override
    protected void doBeginRead() {
        readPending = true;
        if (readOp == 0 && active && canSubmit()) {
            submitAccept();
        }
    }

    private void submitAccept() {
        acceptMultishot = config.isAutoRead() && GetBuf.isAcceptMultishotSupported();
        recvHandle().reset(config);
        readOp = registration.submit(ops.accept(socket.intValue(), acceptMultishot,
                SOCK_NONBLOCK | SOCK_CLOEXEC, DATA_ACCEPT));
    }

    private RecvByteBufAllocator.Handle recvHandle() {
        return unsafe().recvBufAllocHandle();
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) {
        throw new UnsupportedOperationException();
    }

    @Override
    protected Object filterOutboundMessage(Object msg) {
        throw new UnsupportedOperationException();
    }

    final class ServerUnsafe extends AbstractGetBufUnsafe {
        @Override
        public void connect(SocketAddress remote, SocketAddress local, ChannelPromise promise) {
            promise.setFailure(new UnsupportedOperationException());
        }

        @Override
        void acceptComplete(int res, int flags) {
            FaultInjector faults = handler().faults;
            if (res >= 0 && faults != null && faults.acceptEmfile()) {
                Native.close(res); // as if the process had had no descriptor left for it
                res = -EMFILE;
            }
            boolean last = (flags & Native.IORING_CQE_F_MORE) == 0;
            if (last) {
                readOp = 0;
            }
            ChannelPipeline pipeline = pipeline();
            if (res >= 0) {
                GetBufSocket child = new GetBufSocket(res);
                if (!isOpen()) {
                    closeQuietly(child);
                    return;
                }
                RecvByteBufAllocator.Handle handle = recvHandle();
                handle.incMessagesRead(1);
                readPending = false;
                try {
                    pipeline.fireChannelRead(newChildChannel(child));
                } catch (Throwable t) {
                    closeQuietly(child);
                    pipeline.fireExceptionCaught(t);
                }
                handle.readComplete();
                pipeline.fireChannelReadComplete();
                if (!last && !config.isAutoRead() && !readPending && canSubmit()) {
                    cancelRead(registration);
                }
                if (last) {
                    rearm(true);
                }
                return;
            }
            if (isCancelled(res)) {
                if (last) {
                    rearm(false);
                }
                return;
            }
            if (!isOpen()) {
                return;
            }
            // EMFILE/ENFILE and the like: report, and keep accepting (the condition may pass)
            pipeline.fireExceptionCaught(Errors.newIOException("accept", res));
            if (last && res != -EMFILE && res != -ENFILE) {
                rearm(true);
            } else if (last) {
                eventLoop().schedule(() -> rearm(true), 100, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        }

        private void rearm(boolean any) {
            if (readOp == 0 && isActive() && canSubmit() && (config.isAutoRead() || readPending)) {
                submitAccept();
            }
        }

        private void closeQuietly(GetBufSocket s) {
            try {
                s.close();
            } catch (Exception ignore) {
                // nothing to do: the connection is dropped
            }
        }
    }
}
