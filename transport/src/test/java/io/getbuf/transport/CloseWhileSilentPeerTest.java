/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Closing a channel whose file transfer waits for a peer that never reads: the close does not wait for the peer.
 * Every operation of the registration is cancelled, none is armed again after that (a SPLICE that finds the socket
 * full re-armed its POLLOUT poll on the ending registration, which nothing cancelled), so the registration ends and
 * the fd is closed at once; the peer still does not read.
 */
@GetBufTest(warmUp = false)
@Timeout(120)
class CloseWhileSilentPeerTest {
    private static final long SIZE = 8L << 20;
    private static final int ROUNDS = Integer.getInteger("getbuf.test.silentCloseRounds", 40);

    @RegisterExtension
    static final FileTransferFixture FIXTURE = new FileTransferFixture(SIZE);

    @ParameterizedTest
    @MethodSource("io.getbuf.transport.Fixtures#strategies")
    void aCloseDoesNotWaitForAPeerThatNeverReads(GetBufFileStrategy strategy) throws Exception {
        EventLoopGroup loops = Fixtures.getbuf(1, new GetBufIoHandlerConfig());
        EventLoop loop = loops.next();
        GetBufIoHandler handler = GetBufIoHandler.handlerOf(loop);
        try {
            List<Channel> children = new ArrayList<>();
            Channel server = Fixtures.server(loops, strategy, children, ctx -> {
                ctx.channel().config().setOption(ChannelOption.SO_SNDBUF, 64 * 1024);
                ctx.writeAndFlush(region());
            });
            int baseline = registrations(loop, handler); // the server channel
            try {
                for (int round = 0; round < ROUNDS; round++) {
                    Channel peer = new Bootstrap().group(FIXTURE.clients()).channel(NioSocketChannel.class)
                            .option(ChannelOption.AUTO_READ, false).option(ChannelOption.SO_RCVBUF, 32 * 1024)
                            .handler(new ChannelInboundHandlerAdapter()).connect(server.localAddress()).sync()
                            .channel();
                    int want = round + 1;
                    assertTrue(TestSupport.await(() -> {
                        synchronized (children) {
                            return children.size() == want;
                        }
                    }, 10), "accepted");
                    Channel child = children.get(round);
                    Path fdLink = Paths.get("/proc/self/fd/" + ((GetBufSocketChannel) child).fd().intValue());
                    Path socket = Files.readSymbolicLink(fdLink); // socket:[inode]
                    // the transfer fills the socket and waits (or re-polls) for room that never comes
                    Thread.sleep(ThreadLocalRandom.current().nextInt(5, 40));
                    child.close().sync();
                    // the fd goes at once; zero-copy sends' notifications may wait for the peer (the socket outlives
                    // its fd in the kernel until its data is delivered or the peer goes), and the registration with
                    // them, but nothing else does
                    assertTrue(TestSupport.await(() -> !socket.equals(linkOf(fdLink)), 5),
                            "round " + round + ": " + fdLink + " (" + socket + ") closed without its peer reading; "
                                    + loop.submit(() -> ((GetBufSocketChannel) child).stateForTests()).get());
                    if (strategy != GetBufFileStrategy.READ_FIXED_ZC) {
                        assertTrue(TestSupport.await(() -> registrations(loop, handler) == baseline, 5), "round "
                                + round + ": the closed channel's registration ended without its peer reading");
                    }
                    peer.close().sync();
                    assertTrue(TestSupport.await(() -> registrations(loop, handler) == baseline, 5), "round "
                            + round + ": the closed channel's registration ended once its peer went");
                }
            } finally {
                server.close().sync();
            }
            Fixtures.assertNothingLent(loops);
            assertTrue(TestSupport.await(() -> registrations(loop, handler) == baseline - 1, 5), "all ended");
        } finally {
            Fixtures.shutdown(loops);
        }
    }

    private static int registrations(EventLoop loop, GetBufIoHandler handler) {
        try {
            return loop.submit(handler::registrationCount).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** What {@code fdLink} points at, or null once the fd is closed. */
    private static Path linkOf(Path fdLink) {
        try {
            return Files.readSymbolicLink(fdLink);
        } catch (IOException e) {
            return null;
        }
    }

    private static DefaultFileRegion region() {
        try {
            return new DefaultFileRegion(FileChannel.open(FIXTURE.file(), StandardOpenOption.READ), 0, SIZE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
