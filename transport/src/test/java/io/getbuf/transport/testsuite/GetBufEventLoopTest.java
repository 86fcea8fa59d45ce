package io.getbuf.transport.testsuite;

import io.getbuf.transport.GetBufIoHandler;
import io.getbuf.transport.GetBufIoHandlerConfig;
import io.getbuf.transport.GetBufServerSocketChannel;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.testsuite.transport.AbstractSingleThreadEventLoopTest;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Netty's {@link AbstractSingleThreadEventLoopTest} on the getbuf event loop ({@link MultiThreadIoEventLoopGroup}
 * with {@link GetBufIoHandler}), plus wake-up, timer and shutdown checks of an idle ring.
 *
 * <p>{@code supportsChannelIteration()} stays false (the base class then skips the three iterator tests by
 * assumption): {@code SingleThreadIoEventLoop} does not implement {@code registeredChannelsIterator()}, whatever
 * the {@code IoHandler}, and Netty's io_uring module does the same.
 */
@GetBufTest
public class GetBufEventLoopTest extends AbstractSingleThreadEventLoopTest {

    @Override
    protected EventLoopGroup newEventLoopGroup() {
        return new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory());
    }

    @Override
    protected EventLoopGroup newAutoScalingEventLoopGroup() {
        return new MultiThreadIoEventLoopGroup(SCALING_MAX_THREADS, (Executor) null, AUTO_SCALING_CHOOSER_FACTORY,
                GetBufIoHandler.newFactory(autoScalingConfig()));
    }

    /**
     * An auto-scaling group suspends idle executors; one that resumes runs on a new thread, which a ring set up
     * with IORING_SETUP_SINGLE_ISSUER refuses (the handler factory then reports
     * {@code isChangingThreadSupported() == false} and the loops never suspend). So this group turns single issuer
     * off, as Netty's io_uring tests do for theirs.
     */
    private static GetBufIoHandlerConfig autoScalingConfig() {
        return new GetBufIoHandlerConfig().setSingleIssuer(false);
    }

    @Override
    protected Channel newChannel() {
        // tracked: testChannelsRegistered() deregisters one of its channels and never closes it
        return OpenChannels.track(new GetBufServerSocketChannel());
    }

    @Override
    protected Class<? extends ServerChannel> serverChannelClass() {
        return GetBufServerSocketChannel.class;
    }

    /** A task submitted from another thread must wake a loop that sits idle in io_uring_enter. */
    @Test
    public void taskSubmittedFromOutsideWakesIdleLoop() throws Exception {
        EventLoopGroup group = newEventLoopGroup();
        try {
            EventLoop loop = group.next();
            loop.submit(() -> { }).sync();
            for (int i = 0; i < 50; i++) {
                Thread.sleep(i % 5 == 0 ? 20 : 1); // let the loop go back to waiting
                CountDownLatch ran = new CountDownLatch(1);
                loop.execute(ran::countDown);
                assertTrue(ran.await(2, TimeUnit.SECONDS), "task " + i + " did not run within 2 s");
            }
        } finally {
            assertTrue(group.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS));
        }
    }

    /** Scheduled tasks fire on time while the loop has no I/O (the wait must carry the next deadline). */
    @Test
    public void scheduledTaskFiresOnTimeOnIdleLoop() throws Exception {
        EventLoopGroup group = newEventLoopGroup();
        try {
            EventLoop loop = group.next();
            loop.submit(() -> { }).sync();
            for (long delayMillis : new long[] {1, 50, 300}) {
                long start = System.nanoTime();
                loop.schedule(() -> { }, delayMillis, TimeUnit.MILLISECONDS).sync();
                long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(tookMillis >= delayMillis, "fired early: " + tookMillis + " ms < " + delayMillis);
                assertTrue(tookMillis < delayMillis + 1000, "fired late: " + tookMillis + " ms for " + delayMillis);
            }
            // a later deadline scheduled first must not hold back an earlier one scheduled after it
            Future<?> late = loop.schedule(() -> { }, 10, TimeUnit.SECONDS);
            long start = System.nanoTime();
            loop.schedule(() -> { }, 100, TimeUnit.MILLISECONDS).sync();
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(tookMillis < 1100, "100 ms task took " + tookMillis + " ms behind a 10 s one");
            assertTrue(late.cancel(false));
        } finally {
            assertTrue(group.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS));
        }
    }

    /** Shutting down with no quiet period completes promptly, also right after start. */
    @RepeatedTest(20)
    public void shutdownWithoutQuietPeriodIsPrompt() throws Exception {
        EventLoopGroup group = newEventLoopGroup();
        CountDownLatch started = new CountDownLatch(1);
        group.execute(started::countDown);
        assertTrue(started.await(5, TimeUnit.SECONDS));
        assertTrue(group.shutdownGracefully(0, 0, TimeUnit.NANOSECONDS).await(1500, TimeUnit.MILLISECONDS),
                "group did not terminate within 1.5 s");
    }

    /**
     * Shutting the loop down closes the channels still registered on it (and their sockets, see the fd check).
     * With a quiet period: with none, {@code SingleThreadIoEventLoop.run()} can confirm the shutdown without ever
     * calling {@code IoHandler.prepareToDestroy()}, so channels stay open whatever the handler (NIO too).
     */
    @Test
    public void shutdownClosesRegisteredChannels() throws Exception {
        EventLoopGroup group = newEventLoopGroup();
        Channel server;
        try {
            server = new ServerBootstrap().group(group).channel(GetBufServerSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter())
                    .bind(NetUtil.LOCALHOST, 0).sync().channel();
            assertTrue(server.isActive());
        } finally {
            assertTrue(group.shutdownGracefully(100, 5000, TimeUnit.MILLISECONDS).await(6, TimeUnit.SECONDS),
                    "group with a bound server channel did not terminate within 6 s");
        }
        assertTrue(server.closeFuture().await(5, TimeUnit.SECONDS), "server channel not closed by shutdown");
        assertFalse(server.isOpen());
    }
}
