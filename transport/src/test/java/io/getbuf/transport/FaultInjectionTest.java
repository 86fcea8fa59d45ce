/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.Fixtures.EchoStream;
import io.getbuf.transport.Fixtures.Pace;
import io.getbuf.transport.Fixtures.Reader;
import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each fault the kernel can produce under pressure, injected where the transport meets it ({@link FaultInjector}),
 * one at a time: the transport survives it with every byte exact, or reports it as a clear error on the channel it
 * belongs to; the loop goes on, and nothing stays lent.
 */
@GetBufTest(warmUp = false)
@Timeout(180)
class FaultInjectionTest {
    private static final long SIZE = (4L << 20) + 123;

    @RegisterExtension
    static final FileTransferFixture FIXTURE = new FileTransferFixture(SIZE);

    /** Installs {@code faults} on every loop of {@code group} (on each loop's thread). */
    static void inject(EventLoopGroup group, java.util.function.Supplier<FaultInjector> faults) throws Exception {
        for (io.netty.util.concurrent.EventExecutor e : group) {
            GetBufIoHandler h = GetBufIoHandler.handlerOf((EventLoop) e);
            FaultInjector f = faults.get();
            e.submit(() -> h.injectFaults(f)).get();
        }
    }

    static long injected(EventLoopGroup group) throws Exception {
        long n = 0;
        for (io.netty.util.concurrent.EventExecutor e : group) {
            GetBufIoHandler h = GetBufIoHandler.handlerOf((EventLoop) e);
            n += e.submit(() -> h.faults == null ? 0 : h.faults.injected()).get();
        }
        return n;
    }

    /** Serves {@code SIZE} pattern bytes per connection with {@code strategy} to {@code clientCount} paced peers. */
    private static void transfersArriveExact(EventLoopGroup loops, GetBufFileStrategy strategy, int clientCount)
            throws Exception {
        List<ChannelFuture> writes = new ArrayList<>();
        List<Channel> children = new ArrayList<>();
        Channel server = Fixtures.server(loops, strategy, children, ctx -> {
            ChannelFuture w = ctx.writeAndFlush(region(0, SIZE));
            synchronized (writes) {
                writes.add(w);
            }
            w.addListener(f -> ctx.close());
        });
        try {
            List<Reader> readers = new ArrayList<>();
            for (int i = 0; i < clientCount; i++) {
                readers.add(Fixtures.connect(FIXTURE.clients(),
                        server.localAddress(), SIZE, FileTransferTest::patternAt,
                        i % 2 == 0 ? new Pace(32 * 1024, 1) : Pace.FULL_SPEED));
            }
            Fixtures.awaitAll(readers, 120);
            Fixtures.assertSucceeded(writes);
        } finally {
            server.close().sync();
        }
    }

    /** A full SQ when a chain starts (it must submit what is queued first) and a cancellation in the middle of it. */
    @ParameterizedTest
    @MethodSource("io.getbuf.transport.Fixtures#strategies")
    void chainsSurviveAFullQueueAndACancellationInTheirMiddle(GetBufFileStrategy strategy) throws Exception {
        EventLoopGroup loops = Fixtures.getbuf(1, new GetBufIoHandlerConfig().setRingSize(8));
        try {
            inject(loops, () -> {
                FaultInjector f = new FaultInjector(17);
                f.sqFull = 0.3;
                f.cancelInChain = 0.2;
                return f;
            });
            transfersArriveExact(loops, strategy, 4);
            if (strategy != GetBufFileStrategy.SENDFILE && FileTransferTest.effective(strategy)
                    != GetBufFileStrategy.SENDFILE) {
                assertTrue(injected(loops) > 0, "faults were injected");
            }
            Fixtures.assertNothingLent(loops);
        } finally {
            Fixtures.shutdown(loops);
        }
    }

    /**
     * {@code io_uring_enter} refusing work (-EBUSY, -EAGAIN, -ENOMEM, -EINTR) and a completion queue of 8 entries
     * (the kernel holds what does not fit: the loop flushes it): transfers and echoes arrive exact.
     */
    @Test
    void refusedSubmissionsAndAnOverflowingCompletionQueue() throws Exception {
        EventLoopGroup loops = Fixtures.getbuf(1, new GetBufIoHandlerConfig().setRingSize(8).setCqSize(8));
        try {
            inject(loops, () -> {
                FaultInjector f = new FaultInjector(23);
                f.enterRefused = 0.05;
                return f;
            });
            transfersArriveExact(loops, GetBufFileStrategy.AUTO, 6);
            transfersArriveExact(loops, GetBufFileStrategy.READ_FIXED, 6);
            assertTrue(injected(loops) > 0, "faults were injected");
            Fixtures.assertNothingLent(loops);
        } finally {
            Fixtures.shutdown(loops);
        }
    }

    /** The buffer ring finds no buffer (-ENOBUFS): the channel says so and goes on with plain reads, exact. */
    @Test
    void anEmptyBufferRingIsReportedAndReadsGoOn() throws Exception {
        GetBufAssumptions.assumeBufferRing();
        EventLoopGroup loops = TestSupport.ringGroup(1, 16, 4096);
        try {
            inject(loops, () -> {
                FaultInjector f = new FaultInjector(29);
                f.bufferRingEmpty = 0.2;
                return f;
            });
            ConcurrentLinkedQueue<Object> events = new ConcurrentLinkedQueue<>();
            Channel server = new ServerBootstrap().group(loops).channel(GetBufServerSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public boolean isSharable() {
                            return true;
                        }

                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ctx.writeAndFlush(msg); // echo, from the ring buffer itself where it came from one
                        }

                        @Override
                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                            events.add(evt);
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            try {
                EchoStream echo = EchoStream.run(FIXTURE.clients(), server.localAddress(), 2 << 20, 31);
                assertEquals(echo.sent, echo.received.get(Fixtures.scaled(60), TimeUnit.SECONDS));
            } finally {
                server.close().sync();
            }
            assertTrue(injected(loops) > 0, "faults were injected");
            assertTrue(events.stream().anyMatch(e -> e instanceof GetBufBufferRingExhaustedEvent),
                    "the channel said its ring had no buffer: " + events);
            Fixtures.assertNothingLent(loops);
        } finally {
            Fixtures.shutdown(loops);
        }
    }

    /**
     * Registering the READ_FIXED chunks gets only part done (as under RLIMIT_MEMLOCK): what was done is undone, the
     * strategy is unavailable and its regions go by sendfile, exact; a registered buffer that cannot be registered
     * fails its future with the error, and the loop goes on.
     */
    @Test
    void aPartialBufferUpdateFallsBackInsteadOfFailing() throws Exception {
        GetBufAssumptions.assumeRegisteredBuffers();
        EventLoopGroup loops = Fixtures.getbuf(1, new GetBufIoHandlerConfig());
        try {
            inject(loops, () -> {
                FaultInjector f = new FaultInjector(37);
                f.partialBufferUpdate = 1;
                return f;
            });
            transfersArriveExact(loops, GetBufFileStrategy.READ_FIXED, 2);
            GetBufFileSendStats stats = GetBufIoHandler.fileSendStats(loops.next());
            assertEquals(2, stats.regions(GetBufFileStrategy.SENDFILE), stats.toString());
            assertEquals(0, stats.regions(GetBufFileStrategy.READ_FIXED), stats.toString());
            Future<ByteBuf> registered = GetBufIoHandler.allocateRegistered(loops.next(), 4096);
            assertTrue(registered.await(10, TimeUnit.SECONDS));
            assertFalse(registered.isSuccess(), "the buffer could not be registered");
            assertInstanceOf(IOException.class, registered.cause());
            Fixtures.assertNothingLent(loops);
        } finally {
            Fixtures.shutdown(loops);
        }
    }

    /** Accepts that fail with EMFILE are reported on the server channel; it goes on accepting. */
    @Test
    void acceptFailingWithEmfileIsReportedAndAcceptingGoesOn() throws Exception {
        EventLoopGroup loops = Fixtures.getbuf(1, new GetBufIoHandlerConfig());
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        try {
            inject(loops, () -> {
                FaultInjector f = new FaultInjector(41);
                f.acceptEmfile = 0.5;
                return f;
            });
            Channel server = new ServerBootstrap().group(loops).channel(GetBufServerSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            errors.add(cause);
                        }
                    })
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public boolean isSharable() {
                            return true;
                        }

                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            ctx.writeAndFlush(region(0, 1000)).addListener(f -> ctx.close());
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            int served = 0;
            try {
                for (int i = 0; i < 40; i++) {
                    Reader r = Fixtures.connect(FIXTURE.clients(),
                            server.localAddress(), 1000, FileTransferTest::patternAt,
                            Pace.FULL_SPEED);
                    try {
                        r.done.get(10, TimeUnit.SECONDS);
                        served++;
                    } catch (java.util.concurrent.ExecutionException e) {
                        assertTrue(r.received == 0, "a dropped connection got no partial response");
                    }
                }
            } finally {
                server.close().sync();
            }
            assertTrue(served > 0 && served < 40, "some were served, some dropped: " + served);
            assertFalse(errors.isEmpty(), "EMFILE was reported");
            for (Throwable t : errors) {
                assertTrue(String.valueOf(t.getMessage()).contains("accept"), String.valueOf(t));
            }
        } finally {
            Fixtures.shutdown(loops);
        }
    }

    /**
     * What a released buffer wakes (a registered-buffer allocation that waited for a slot) fails: the failure is the
     * waiter's (its future fails), not the releasing channel's (it stays open and writes on), nor the loop's.
     */
    @Test
    void aFailingWaiterDoesNotHurtTheReleaserOrTheLoop() throws Exception {
        GetBufAssumptions.assumeRegisteredBuffers();
        EventLoopGroup loops = Fixtures.getbuf(1, new GetBufIoHandlerConfig().setRegisteredBuffers(17)
                .setFileChunks(16, 64 * 1024));
        EventLoop loop = loops.next();
        try {
            ByteBuf held = GetBufIoHandler.allocateRegistered(loop, 4096).get(10, TimeUnit.SECONDS).writeZero(4096);
            Future<ByteBuf> waiter = GetBufIoHandler.allocateRegistered(loop, 1 << 20); // no slot: it waits
            assertFalse(waiter.await(200, TimeUnit.MILLISECONDS), "the allocation waits for the only user slot");
            inject(loops, () -> {
                FaultInjector f = new FaultInjector(43);
                f.wakeFails = 1;
                return f;
            });
            // a getbuf channel sends the held buffer: its notification releases it, which wakes the waiter
            List<Channel> children = new ArrayList<>();
            Channel server = Fixtures.server(loops, GetBufFileStrategy.AUTO, children, ctx -> {
                ctx.writeAndFlush(held);
            });
            try {
                Reader r = Fixtures.connect(FIXTURE.clients(), server.localAddress(), 4096 + 1000,
                        at -> at < 4096 ? 0 : FileTransferTest.patternAt(at - 4096), Pace.FULL_SPEED);
                assertTrue(waiter.await(10, TimeUnit.SECONDS), "the waiter was woken");
                assertInstanceOf(FaultInjector.InjectedFault.class, waiter.cause(), String.valueOf(waiter.cause()));
                Channel child = children.get(0);
                assertTrue(child.isOpen(), "the channel whose completion released the buffer is open");
                // and writes on, the fault gone (a GET_BUF transfer woken by the table would meet it too)
                inject(loops, () -> null);
                child.writeAndFlush(region(0, 1000)).addListener(f -> child.close());
                Fixtures.awaitAll(List.of(r), 10);
                assertTrue(loop.submit(() -> true).get(5, TimeUnit.SECONDS), "the loop runs");
            } finally {
                server.close().sync();
            }
            inject(loops, () -> null);
            Fixtures.assertNothingLent(loops);
        } finally {
            Fixtures.shutdown(loops);
        }
    }

    /** A file deleted while it is sent: its open descriptor still reads it, every byte arrives. */
    @ParameterizedTest
    @MethodSource("io.getbuf.transport.Fixtures#strategies")
    void aFileDeletedWhileSentArrivesWhole(GetBufFileStrategy strategy) throws Exception {
        Path doomed = FIXTURE.dir().resolve("doomed-" + strategy);
        Files.copy(FIXTURE.file(), doomed);
        EventLoopGroup loops = Fixtures.getbuf(1, new GetBufIoHandlerConfig());
        try {
            List<ChannelFuture> writes = new ArrayList<>();
            List<Channel> children = new ArrayList<>();
            Channel server = Fixtures.server(loops, strategy, children, ctx -> {
                try {
                    FileChannel fc = FileChannel.open(doomed, StandardOpenOption.READ);
                    ChannelFuture w = ctx.writeAndFlush(new DefaultFileRegion(fc, 0, SIZE));
                    Files.delete(doomed); // while the region is on its way
                    synchronized (writes) {
                        writes.add(w);
                    }
                    w.addListener(f -> ctx.close());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            try {
                Reader r = Fixtures.connect(FIXTURE.clients(), server.localAddress(), SIZE, FileTransferTest::patternAt,
                        new Pace(64 * 1024, 1));
                Fixtures.awaitAll(List.of(r), 60);
                Fixtures.assertSucceeded(writes);
            } finally {
                server.close().sync();
            }
            assertFalse(Files.exists(doomed));
            Fixtures.assertNothingLent(loops);
        } finally {
            Fixtures.shutdown(loops);
        }
    }

    /**
     * The event loop shuts down in the middle of transfers of every strategy and of echoes: the shutdown completes,
     * every transfer's write fails or completes, and nothing leaks (descriptors and buffers: the class checks).
     */
    @Test
    void theLoopShutsDownUnderLoad() throws Exception {
        EventLoopGroup loops = Fixtures.getbuf(2, new GetBufIoHandlerConfig());
        List<ChannelFuture> writes = new ArrayList<>();
        List<Channel> children = new ArrayList<>();
        List<GetBufFileStrategy> strategies = Fixtures.strategies().collect(java.util.stream.Collectors.toList());
        Consumer<ChannelHandlerContext> serve = ctx -> {
            GetBufFileStrategy s;
            synchronized (children) {
                s = strategies.get(children.size() % strategies.size());
            }
            ctx.channel().config().setOption(GetBufChannelOption.FILE_STRATEGY, s);
            ChannelFuture w = ctx.writeAndFlush(region(0, SIZE));
            synchronized (writes) {
                writes.add(w);
            }
        };
        Channel server = Fixtures.server(loops, GetBufFileStrategy.AUTO, children, serve);
        List<Channel> peers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            peers.add(new Bootstrap().group(FIXTURE.clients()).channel(NioSocketChannel.class)
                    .option(io.netty.channel.ChannelOption.AUTO_READ, i % 2 == 0)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ((ByteBuf) msg).release();
                        }
                    }).connect(server.localAddress()).sync().channel());
        }
        assertTrue(TestSupport.await(() -> {
            synchronized (writes) {
                return writes.size() == 12;
            }
        }, 10), "all served");
        Thread.sleep(100);
        assertTrue(loops.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(30, TimeUnit.SECONDS),
                "the loops shut down");
        for (ChannelFuture w : writes) {
            assertTrue(w.isDone(), "every write ended with its loop");
        }
        for (Channel p : peers) {
            p.close().sync();
        }
        assertNotNull(server);
    }

    private static DefaultFileRegion region(long offset, long count) {
        try {
            return new DefaultFileRegion(FileChannel.open(FIXTURE.file(), StandardOpenOption.READ), offset, count);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
