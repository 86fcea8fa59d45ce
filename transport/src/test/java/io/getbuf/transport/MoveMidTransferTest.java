/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.Fixtures.Pace;
import io.getbuf.transport.Fixtures.Reader;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoop;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A channel moved to another event loop in the middle of a file transfer (its peer not reading, so the transfer
 * waits in the kernel with the old loop's slots, chunks or pipe): the old loop's transfer ends with the old
 * registration, the new loop starts afresh where the region stands, the peer then gets every byte exact, once, and
 * both loops get back all their transfers had lent.
 */
@GetBufTest(warmUp = false)
@Timeout(180)
class MoveMidTransferTest {
    private static final long SIZE = 64L << 20;

    @RegisterExtension
    static final FileTransferFixture FIXTURE = new FileTransferFixture(SIZE);

    @ParameterizedTest
    @MethodSource("io.getbuf.transport.Fixtures#strategies")
    void aRegionMovedBetweenLoopsMidTransferArrivesExact(GetBufFileStrategy strategy) throws Exception {
        EventLoopGroup loops = Fixtures.getbuf(2, new GetBufIoHandlerConfig());
        EventLoop a = loops.next();
        EventLoop b = loops.next();
        try {
            List<ChannelFuture> writes = new ArrayList<>();
            List<Channel> children = new ArrayList<>();
            Channel server = Fixtures.server(a, strategy, children, ctx -> {
                ChannelFuture w = ctx.writeAndFlush(region());
                synchronized (writes) {
                    writes.add(w);
                }
                w.addListener(f -> ctx.close());
            });
            try {
                // a peer that reads in small bursts, slowly at first: the transfer waits in the kernel
                Reader reader = Fixtures.connect(FIXTURE.clients(),
                        server.localAddress(), SIZE, FileTransferTest::patternAt,
                        new Pace(64 * 1024, 50));
                assertTrue(TestSupport.await(() -> {
                    synchronized (children) {
                        return !children.isEmpty();
                    }
                }, 10), "accepted");
                Channel child = children.get(0);
                EventLoop from = a;
                for (int move = 0; move < 4; move++) {
                    Thread.sleep(150); // let the transfer fill the socket and wait
                    EventLoop to = from == a ? b : a;
                    move(child, to);
                    assertEquals(to, child.eventLoop());
                    from = to;
                }
                reader.channel.config().setAutoRead(true); // now at full speed
                try {
                    Fixtures.awaitAll(List.of(reader), 150);
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "; the channel: " + child.eventLoop().submit(
                            () -> ((GetBufSocketChannel) child).stateForTests()).get() + "; lent: " + Fixtures.lent(a)
                            + " / " + Fixtures.lent(b), e);
                }
                Fixtures.assertSucceeded(writes);
            } finally {
                server.close().sync();
            }
            Fixtures.assertNothingLent(loops);
            long sent = 0;
            for (io.netty.util.concurrent.EventExecutor e : loops) {
                sent += GetBufIoHandler.fileSendStats((EventLoop) e).totalBytes();
            }
            assertEquals(SIZE, sent, "bytes counted on both loops together");
        } finally {
            Fixtures.shutdown(loops);
        }
    }

    /** Deregisters {@code ch} from its loop and registers it with {@code to}, from the old loop, as users do. */
    static void move(Channel ch, EventLoop to) throws Exception {
        CompletableFuture<Void> moved = new CompletableFuture<>();
        ch.eventLoop().execute(() -> ch.deregister().addListener(f -> {
            if (!f.isSuccess()) {
                moved.completeExceptionally(f.cause());
                return;
            }
            to.register(ch).addListener(r -> {
                if (r.isSuccess()) {
                    moved.complete(null);
                } else {
                    moved.completeExceptionally(r.cause());
                }
            });
        }));
        moved.get(20, TimeUnit.SECONDS);
    }

    private static DefaultFileRegion region() {
        try {
            return new DefaultFileRegion(FileChannel.open(FIXTURE.file(), StandardOpenOption.READ), 0, SIZE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
