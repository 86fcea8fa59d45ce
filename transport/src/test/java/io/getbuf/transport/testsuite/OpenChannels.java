package io.getbuf.transport.testsuite;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
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
     * were open. A channel with a live event loop is closed on that loop; one that has none (never registered, or
     * deregistered from a loop that has shut down) is closed from here; one still registered with a loop that is
     * shutting down is left alone (nothing can close it any more; the fd check reports its descriptor).
     */
    static int closeAll() {
        // A child accepted while the closes run is tracked meanwhile: go round until none is left
        // open, rather than clearing the set under a concurrent add.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int total = 0;
        for (int round = 0; round < 3; round++) {
            List<Channel> open = new ArrayList<>();
            for (Channel ch : CHANNELS) {
                if (ch.isOpen()) {
                    open.add(ch);
                } else {
                    CHANNELS.remove(ch);
                }
            }
            if (open.isEmpty()) {
                break;
            }
            total += open.size();
            closeEach(open, deadline);
        }
        CHANNELS.removeIf(ch -> !ch.isOpen());
        return total;
    }

    private static void closeEach(List<Channel> open, long deadline) {
        for (Channel ch : open) {
            EventLoop loop;
            try {
                loop = ch.eventLoop(); // set as soon as a registration starts, kept after deregistration
            } catch (IllegalStateException neverRegistered) {
                loop = null;
            }
            try {
                if (loop != null && !loop.isShuttingDown()) {
                    // on the channel's loop, so it is ordered after a registration still in progress
                    ch.close().awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()),
                            TimeUnit.NANOSECONDS);
                } else if (!ch.isRegistered()) {
                    // never registered, or deregistered from a loop that is gone: no loop owns it any more
                    ch.unsafe().close(ch.unsafe().voidPromise());
                }
                // else: still registered with a loop that is shutting down; its descriptor shows in the fd check
            } catch (RuntimeException e) {
                // best effort: whatever stays open shows up in the fd check
            }
        }
    }

    @Sharable
    private static final class ChildTracker extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.fireChannelRead(msg);
            if (msg instanceof Channel) {
                // after the ServerBootstrapAcceptor further down has started the child's registration, so that
                // closeAll() finds its event loop and closes it there, never racing the registration
                track((Channel) msg);
            }
        }
    }
}
