/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.Fixtures.Pace;
import io.getbuf.transport.Fixtures.Reader;
import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Peers that stop reading cannot hold a loop's shared pools hostage: with 13 connections whose peers never read
 * (their transfers wait in the kernel with the slots, chunks or pipes they took), a 14th connection's small file
 * still arrives within a second, and so do a {@link GetBufFiles#read} and a registered buffer. Transfers that found
 * their pool taken went on by sendfile, and the counters say so.
 */
@GetBufTest(warmUp = false)
@Timeout(120)
class SilentPeersTest {
    private static final long BIG = 8L << 20;
    private static final long SMALL = 4096;
    private static final int SILENT = 13;

    @TempDir
    static Path dir;
    private static EventLoopGroup clients;
    private static Path big;
    private static Path small;

    @BeforeAll
    static void setUp() throws IOException {
        GetBufAssumptions.assumeAvailable();
        LentPages.requireGetBufWhereAsked();
        clients = Fixtures.nio(1);
        big = FileTransferTest.patternFile(dir, BIG);
        small = FileTransferTest.patternFile(dir, SMALL);
    }

    @AfterAll
    static void tearDown() throws Exception {
        Fixtures.shutdown(clients);
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void aSmallFileIsNotHeldUpByPeersThatNeverRead(GetBufFileStrategy strategy) throws Exception {
        // the default slots and chunks; pipes as few as the silent peers, so that they can take them all
        EventLoopGroup loops = Fixtures.getbuf(1, new GetBufIoHandlerConfig().setPipes(SILENT - 1, 256 * 1024));
        EventLoop loop = loops.next();
        List<Channel> silent = new ArrayList<>();
        try {
            List<ChannelFuture> writes = new ArrayList<>();
            List<Channel> children = new ArrayList<>();
            Channel server = Fixtures.server(loops, strategy, children, ctx -> {
                Path file = children.size() <= SILENT ? big : small;
                ctx.channel().config().setOption(ChannelOption.SO_SNDBUF, 64 * 1024);
                ChannelFuture w = ctx.writeAndFlush(region(file));
                synchronized (writes) {
                    writes.add(w);
                }
                w.addListener(f -> ctx.close());
            });
            try {
                for (int i = 0; i < SILENT; i++) {
                    silent.add(new Bootstrap().group(clients).channel(NioSocketChannel.class)
                            .option(ChannelOption.AUTO_READ, false).option(ChannelOption.SO_RCVBUF, 64 * 1024)
                            .handler(new ChannelInboundHandlerAdapter()).connect(server.localAddress()).sync()
                            .channel());
                }
                assertTrue(TestSupport.await(() -> {
                    synchronized (children) {
                        return children.size() == SILENT;
                    }
                }, 10), "accepted");
                Thread.sleep(500); // their transfers fill the sockets and wait in the kernel with what they took

                long start = System.nanoTime();
                Reader reader = Fixtures.connect(clients, server.localAddress(), SMALL, FileTransferTest::patternAt,
                        Pace.FULL_SPEED);
                Fixtures.awaitAll(List.of(reader), 10);
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(millis < 1000, "the 14th connection's " + SMALL + " bytes took " + millis + " ms");

                // users' slots are not the transfers' to hold either
                if (!GetBuf.isRegisteredBuffersSupported()) {
                    return; // (a kernel without registered buffers has no slots to hold)
                }
                start = System.nanoTime();
                Future<ByteBuf> read = GetBufFiles.read(loop, small, 0, (int) SMALL);
                Future<ByteBuf> registered = GetBufIoHandler.allocateRegistered(loop, 64 * 1024);
                assertTrue(read.await(1, TimeUnit.SECONDS) && read.isSuccess(), "GetBufFiles.read: " + read.cause());
                assertTrue(registered.await(1, TimeUnit.SECONDS) && registered.isSuccess(),
                        "allocateRegistered: " + registered.cause());
                millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                read.getNow().release();
                registered.getNow().release();
                assertTrue(millis < 1000, "a read and a registered buffer took " + millis + " ms");

                GetBufFileSendStats stats = GetBufIoHandler.fileSendStats(loop);
                GetBufFileStrategy used = FileTransferTest.effective(strategy);
                if (used != GetBufFileStrategy.SENDFILE) {
                    assertTrue(stats.fallbacks(used) > 0, "transfers that found the pool taken fell back: " + stats);
                }
            } finally {
                for (Channel c : silent) {
                    c.close().sync();
                }
                server.close().sync();
            }
            for (ChannelFuture w : writes) {
                assertTrue(w.await(10, TimeUnit.SECONDS), "every write ended");
            }
            assertEquals(SILENT + 1, writes.size());
            Fixtures.assertNothingLent(loops);
        } finally {
            Fixtures.shutdown(loops);
        }
    }

    static java.util.stream.Stream<GetBufFileStrategy> strategies() {
        return Fixtures.strategies(GetBufFileStrategy.GET_BUF, GetBufFileStrategy.SPLICE, GetBufFileStrategy.READ_FIXED,
                GetBufFileStrategy.READ_FIXED_ZC);
    }

    private static DefaultFileRegion region(Path file) {
        try {
            FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
            return new DefaultFileRegion(fc, 0, fc.size());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
