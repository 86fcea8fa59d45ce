/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.IoRegistration;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.Socket;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * A listening TCP socket driven by io_uring: a multishot accept while AUTO_READ is on (one
 * submission for any number of connections), a single accept per {@code read()} otherwise.
 */
public final class GetBufServerSocketChannel extends AbstractGetBufChannel implements ServerSocketChannel {
    private static final int SOCK_NONBLOCK = 04000;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int EMFILE = 24;
    private static final int ENFILE = 23;

    private final GetBufServerSocketChannelConfig config;
    private boolean acceptMultishot;

    /**
     * A new, unbound listening channel, IPv6 (which accepts IPv4 peers too) where the system prefers it, else IPv4:
     * what {@code new GetBufServerSocketChannel(null)} makes.
     *
     * @throws io.netty.channel.ChannelException if the socket cannot be created (no descriptor left)
     */
    public GetBufServerSocketChannel() {
        this((SocketProtocolFamily) null);
    }

    /**
     * A new, unbound listening channel of {@code family}.
     *
     * @param family {@link SocketProtocolFamily#INET} or {@link SocketProtocolFamily#INET6}; {@code null} for
     *               IPv6 where the system prefers it (it has IPv6 and {@code java.net.preferIPv4Stack} is not set),
     *               else IPv4
     * @throws io.netty.channel.ChannelException if the socket cannot be created (no descriptor left)
     */
    public GetBufServerSocketChannel(SocketProtocolFamily family) {
        super(null, GetBufSocket.newStream(family == SocketProtocolFamily.INET6
                || family == null && Socket.isIPv6Preferred()), false);
        config = new GetBufServerSocketChannelConfig(this, socket);
    }

    @Override
    public GetBufServerSocketChannelConfig config() {
        return config;
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return null;
    }

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
                    pipeline.fireChannelRead(new GetBufSocketChannel(GetBufServerSocketChannel.this, child, true));
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
