/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.Fixtures.Pace;
import io.getbuf.transport.Fixtures.Reader;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.channel.Channel;
import io.netty.channel.ChannelProgressiveFuture;
import io.netty.channel.ChannelProgressiveFutureListener;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A listener of a file region's progress closes the channel at the first progress it hears of: not one byte more
 * goes to the socket after that (sendfile, which sends in a loop on the event loop, went on up to its 4 MiB turn).
 */
@GetBufTest(warmUp = false)
@Timeout(60)
class CloseFromProgressTest {
    private static final long SIZE = 64L << 20;

    @RegisterExtension
    static final FileTransferFixture FIXTURE = new FileTransferFixture(SIZE);

    @ParameterizedTest
    @MethodSource("io.getbuf.transport.Fixtures#strategies")
    void noByteLeavesAfterAProgressListenerClosedTheChannel(GetBufFileStrategy strategy) throws Exception {
        EventLoopGroup loops = Fixtures.getbuf(1, new GetBufIoHandlerConfig());
        try {
            AtomicLong progressAtClose = new AtomicLong(-1);
            List<Channel> children = new ArrayList<>();
            Channel server = Fixtures.server(loops, strategy, children, ctx -> {
                ctx.writeAndFlush(region(), ctx.newProgressivePromise()).addListener(
                        new ChannelProgressiveFutureListener() {
                            @Override
                            public void operationProgressed(ChannelProgressiveFuture f, long progress, long total) {
                                if (progressAtClose.compareAndSet(-1, progress)) {
                                    ctx.close();
                                }
                            }

                            @Override
                            public void operationComplete(ChannelProgressiveFuture f) {
                            }
                        });
            });
            try {
                Reader r = Fixtures.connect(FIXTURE.clients(), server.localAddress(), SIZE, FileTransferTest::patternAt,
                        Pace.FULL_SPEED);
                r.done.handle((n, t) -> null).get(30, TimeUnit.SECONDS); // it ends short: the server closed
                assertTrue(progressAtClose.get() > 0, "progress was reported");
                // sendfile sends on the loop: nothing after the close; the ring's strategies may have had the rest of
                // a chain in the kernel when the first send's result was reported (at most 4 chunks of 256 KiB)
                long inFlight = FileTransferTest.effective(strategy) == GetBufFileStrategy.SENDFILE ? 0 : 1L << 20;
                assertTrue(r.received <= progressAtClose.get() + inFlight, strategy + ": the peer got " + r.received
                        + " bytes, the channel had reported " + progressAtClose.get() + " when a listener closed it");
            } finally {
                server.close().sync();
            }
            Fixtures.assertNothingLent(loops);
        } finally {
            Fixtures.shutdown(loops);
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
