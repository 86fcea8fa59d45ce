package io.getbuf.transport.testsuite;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ServerChannel;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every channel the test suite creates through {@link GetBufSocketTestPermutation} (servers, clients, and the
 * children the servers accept), so that {@link GetBufTestExtension} can close what a test leaves open.
 *
 * <p>Several of Netty's testsuite methods never close some of their channels, with any transport, NIO included:
 * {@code SocketConnectTest#testWriteWithFastOpenBeforeConnect*} and {@code SocketRstTest} leave the server channel
 * bound, {@code SocketAutoReadTest}, {@code SocketReadPendingTest}, {@code SocketHalfClosedTest} and
 * {@code AbstractSocketShutdownOutputByPeerTest#testShutdownOutput} leave accepted children open (CLOSE_WAIT),
 * {@code AbstractSingleThreadEventLoopTest#testChannelsRegistered} deregisters a channel and drops it. Those
 * descriptors would stay open for the life of the JVM and fail the fd check of any transport. Closing them after
 * each test keeps the check about the transport: a channel that is closed but whose descriptor stays open is still
 * caught, and so is a channel the transport itself opened (an accepted child) and never closed.
 */
final class OpenChannels {

    private static final Set<Channel> CHANNELS = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger ADDED = new AtomicInteger();
    private static final ChildTracker CHILD_TRACKER = new ChildTracker();

    private OpenChannels() {
    }

    /** Wraps a channel factory so that every channel it makes (and, for a server, every child) is tracked. */
    static <C extends Channel> ChannelFactory<C> tracking(String name, java.util.function.Supplier<C> factory) {
        return new ChannelFactory<C>() {
            @Override
            public C newChannel() {
                return track(factory.get());
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    static <C extends Channel> C track(C channel) {
        if (channel instanceof ServerChannel) {
            // first in the pipeline, before the ServerBootstrapAcceptor that ServerBootstrap.init() appends
            channel.pipeline().addLast(CHILD_TRACKER);
        }
        CHANNELS.add(channel);
        if ((ADDED.incrementAndGet() & 255) == 0) {
            CHANNELS.removeIf(ch -> !ch.isOpen());
        }
        return channel;
    }

    /**
     * Closes every tracked channel that is still open and waits (up to 5 s in all) for the closes; returns how many
     * were open. A channel still registered with an event loop that is shutting down is left alone (nothing can
     * close it any more; the fd check reports its descriptor).
     */
    static int closeAll() {
        List<Channel> open = new ArrayList<>();
        for (Channel ch : CHANNELS) {
            if (ch.isOpen()) {
                open.add(ch);
            }
        }
        CHANNELS.clear();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (Channel ch : open) {
            try {
                if (ch.isRegistered()) {
                    if (!ch.eventLoop().isShuttingDown()) {
                        ch.close().awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()),
                                TimeUnit.NANOSECONDS);
                    }
                } else {
                    // never registered, or deregistered: no event loop owns it, close it from here
                    ch.unsafe().close(ch.unsafe().voidPromise());
                }
            } catch (RuntimeException e) {
                // best effort: whatever stays open shows up in the fd check
            }
        }
        return open.size();
    }

    @Sharable
    private static final class ChildTracker extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Channel) {
                track((Channel) msg);
            }
            ctx.fireChannelRead(msg);
        }
    }
}
