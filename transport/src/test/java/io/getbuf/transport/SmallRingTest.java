/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.Fixtures.Pace;
import io.getbuf.transport.Fixtures.Reader;
import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A linked chain is written to the submission queue whole or not at all: with rings far smaller than the transfers'
 * chains, and slow peers so that sends wait in the kernel, every strategy's bytes arrive exact (a chain split across
 * two {@code io_uring_enter}s would let a send run before its read, sending a chunk's stale content, or a later
 * chain overtake an earlier one), and so do responses whose head is linked to their body.
 */
@GetBufTest(warmUp = false)
@Timeout(120)
class SmallRingTest {
    private static final long SIZE = (3L << 20) + 4097;
    private static final int CLIENTS = 4;

    @TempDir
    static Path dir;
    private static EventLoopGroup clients;
    private static Path file;

    @BeforeAll
    static void setUp() throws IOException {
        GetBufAssumptions.assumeAvailable();
        LentPages.requireGetBufWhereAsked();
        clients = Fixtures.nio(2);
        file = FileTransferTest.patternFile(dir, SIZE);
    }

    @AfterAll
    static void tearDown() throws Exception {
        Fixtures.shutdown(clients);
    }

    static Stream<Arguments> ringsAndStrategies() {
        List<Arguments> args = new ArrayList<>();
        for (int ring : new int[] {4, 5, 8}) {
            Fixtures.strategies().forEach(s -> args.add(Arguments.of(ring, s)));
        }
        return args.stream();
    }

    @ParameterizedTest(name = "ring {0}, {1}")
    @MethodSource("ringsAndStrategies")
    void regionsArriveExactThroughASmallRing(int ringSize, GetBufFileStrategy strategy) throws Exception {
        EventLoopGroup loop = Fixtures.getbuf(1, new GetBufIoHandlerConfig().setRingSize(ringSize)
                .setFileChunks(8, 64 * 1024));
        try {
            List<ChannelFuture> writes = new ArrayList<>();
            List<Channel> children = new ArrayList<>();
            Channel server = Fixtures.server(loop, strategy, children, ctx -> {
                ChannelFuture w = ctx.writeAndFlush(region(1, SIZE - 1));
                synchronized (writes) {
                    writes.add(w);
                }
                w.addListener(f -> ctx.close());
            });
            try {
                List<Reader> readers = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    // half of them slow: their sends wait in the kernel while the others' chains go on
                    Pace pace = i % 2 == 0 ? new Pace(16 * 1024, 1) : Pace.FULL_SPEED;
                    readers.add(Fixtures.connect(clients, server.localAddress(), SIZE - 1,
                            at -> FileTransferTest.patternAt(at + 1), pace));
                }
                Fixtures.awaitAll(readers, 90);
                Fixtures.assertSucceeded(writes);
            } finally {
                server.close().sync();
            }
            Fixtures.assertNothingLent(loop);
        } finally {
            Fixtures.shutdown(loop);
        }
    }

    /** Responses of a head and a body (GET_BUF links the body behind the head) pipelined through a ring of 4. */
    @ParameterizedTest(name = "ring {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {4, 5, 8})
    void linkedHeadsAndBodiesArriveInOrder(int ringSize) throws Exception {
        EventLoopGroup loop = Fixtures.getbuf(1, new GetBufIoHandlerConfig().setRingSize(ringSize));
        int responses = 40;
        int head = 100;
        long body = 70_001;
        long each = head + body;
        try {
            List<ChannelFuture> writes = new ArrayList<>();
            List<Channel> children = new ArrayList<>();
            Channel server = Fixtures.server(loop, GetBufFileStrategy.AUTO, children, ctx -> {
                ChannelFuture last = null;
                for (int r = 0; r < responses; r++) {
                    ctx.write(headOf(r, head));
                    last = ctx.write(region(r * body, body));
                }
                ctx.flush();
                synchronized (writes) {
                    writes.add(last);
                }
                last.addListener(f -> ctx.close());
            });
            try {
                List<Reader> readers = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    Pace pace = i % 2 == 0 ? new Pace(8 * 1024, 1) : Pace.FULL_SPEED;
                    readers.add(Fixtures.connect(clients, server.localAddress(), responses * each, at -> {
                        int r = (int) (at / each);
                        long in = at % each;
                        return in < head ? headByte(r, (int) in) : FileTransferTest.patternAt(r * body + in - head);
                    }, pace));
                }
                Fixtures.awaitAll(readers, 90);
                Fixtures.assertSucceeded(writes);
            } finally {
                server.close().sync();
            }
            Fixtures.assertNothingLent(loop);
        } finally {
            Fixtures.shutdown(loop);
        }
    }

    /** A ring too small for the shortest chain (a linked head, a GET_BUF and its send) is refused when configured. */
    @Test
    void ringsSmallerThanAChainAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new GetBufIoHandlerConfig().setRingSize(1));
        assertThrows(IllegalArgumentException.class, () -> new GetBufIoHandlerConfig().setRingSize(2));
        new GetBufIoHandlerConfig().setRingSize(3); // the kernel makes it 4
        new GetBufIoHandlerConfig().setRingSize(4);
    }

    private static DefaultFileRegion region(long offset, long count) {
        try {
            return new DefaultFileRegion(FileChannel.open(file, StandardOpenOption.READ), offset, count);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ByteBuf headOf(int r, int length) {
        ByteBuf b = Unpooled.directBuffer(length);
        for (int i = 0; i < length; i++) {
            b.writeByte(headByte(r, i));
        }
        return b;
    }

    private static byte headByte(int r, int i) {
        return (byte) (0x80 | (r * 13 + i * 3));
    }
}
