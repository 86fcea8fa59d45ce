/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A full submission queue never duplicates, drops or reorders bytes. The server's loop has the smallest ring (4 SQEs) and
 * relays every byte a connection reads to its partner connection (a proxy: a completion of one channel flushes
 * another). Whenever its SQ is full the loop first behaves as if the kernel refused to take the queued SQEs, which
 * is when the loop has to make room in the CQ while some channel is in the middle of submitting; completions
 * dispatched there, into a channel that is submitting, used to send the same bytes twice (a flush reaching a
 * channel whose send was retained but not yet recorded) or start a second read over the first.
 */
@GetBufTest(warmUp = false)
@Timeout(30)
class SubmissionQueueFullTest {
    private static final int PAIRS = 8;
    private static final int WRITES = 200;
    private static final int WRITE_SIZE = 1024;

    @BeforeAll
    static void requireIoUring() {
        GetBufAssumptions.assumeAvailable();
    }

    @Test
    void proxiedStreamsArriveExactWhileTheKernelRefusesSubmissions() throws Exception {
        EventLoopGroup serverGroup = new MultiThreadIoEventLoopGroup(1,
                GetBufIoHandler.newFactory(new GetBufIoHandlerConfig().setRingSize(GetBufIoHandlerConfig.MIN_RING_SIZE)));
        EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        List<Channel> clients = new ArrayList<>();
        try {
            AtomicInteger accepted = new AtomicInteger();
            Channel server = new ServerBootstrap().group(serverGroup).channel(GetBufServerSocketChannel.class)
                    .childHandler(new Relay(accepted)).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            GetBufIoHandler handler = serverGroup.next()
                    .submit(() -> ((AbstractGetBufChannel) server).handler()).get();
            List<Receiver> receivers = new ArrayList<>();
            for (int i = 0; i < 2 * PAIRS; i++) {
                Receiver r = new Receiver(WRITES * WRITE_SIZE);
                receivers.add(r);
                clients.add(new Bootstrap().group(clientGroup).channel(NioSocketChannel.class).handler(r)
                        .connect(server.localAddress()).sync().channel());
                // the server pairs its children in accept order: accept each before the next connects
                int want = i + 1;
                TestSupport.await(() -> accepted.get() >= want, 10);
                assertEquals(want, accepted.get(), "accepted");
            }
            serverGroup.next().submit(() -> handler.refuseWhenFull = true).sync();
            for (int w = 0; w < WRITES; w++) {
                for (int i = 0; i < clients.size(); i++) {
                    clients.get(i).writeAndFlush(chunk(i, w));
                }
            }
            for (int i = 0; i < clients.size(); i++) {
                int partner = i ^ 1;
                byte[] got = receivers.get(i).done.get(20, TimeUnit.SECONDS);
                for (int at = 0; at < got.length; at++) {
                    int w = at / WRITE_SIZE;
                    if (got[at] != patternByte(partner, w, at % WRITE_SIZE)) {
                        throw new AssertionError("client " + i + " got byte " + got[at] + " at " + at
                                + " of its partner's stream, expected " + patternByte(partner, w, at % WRITE_SIZE)
                                + " (write " + w + " of client " + partner + ')');
                    }
                }
            }
            serverGroup.next().submit(() -> handler.refuseWhenFull = false).sync();
            Thread.sleep(100);
            for (Receiver r : receivers) {
                assertEquals(WRITES * WRITE_SIZE, r.received, "nothing more than the partner's stream arrived");
            }
            for (Channel ch : clients) {
                ch.close().sync();
            }
            server.close().sync();
        } finally {
            for (Channel ch : clients) {
                ch.close();
            }
            clientGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
            serverGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    /** Write {@code w} of client {@code i}: every byte says who wrote it and when. */
    private static ByteBuf chunk(int i, int w) {
        byte[] bytes = new byte[WRITE_SIZE];
        for (int b = 0; b < WRITE_SIZE; b++) {
            bytes[b] = patternByte(i, w, b);
        }
        return Unpooled.wrappedBuffer(bytes);
    }

    private static byte patternByte(int i, int w, int b) {
        return (byte) (i * 31 + w * 7 + b);
    }

    /** Pairs children in accept order (0 with 1, 2 with 3, ...) and writes what one reads to the other. */
    private static final class Relay extends ChannelInboundHandlerAdapter {
        private final AtomicInteger accepted;
        private Channel unpaired;

        Relay(AtomicInteger accepted) {
            this.accepted = accepted;
        }

        @Override
        public boolean isSharable() {
            return true;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            // all children live on the server's only loop: no synchronisation needed
            if (unpaired == null) {
                unpaired = ctx.channel();
            } else {
                ctx.channel().attr(Partner.KEY).set(unpaired);
                unpaired.attr(Partner.KEY).set(ctx.channel());
                unpaired = null;
            }
            accepted.incrementAndGet();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.channel().attr(Partner.KEY).get().writeAndFlush(msg);
        }
    }

    private static final class Partner {
        static final io.netty.util.AttributeKey<Channel> KEY = io.netty.util.AttributeKey.valueOf("partner");
    }

    /** Collects {@code expected} bytes. */
    private static final class Receiver extends ChannelInboundHandlerAdapter {
        final CompletableFuture<byte[]> done = new CompletableFuture<>();
        private final byte[] bytes;
        volatile int received;

        Receiver(int expected) {
            bytes = new byte[expected];
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            int n = buf.readableBytes();
            int at = received;
            if (at + n > bytes.length) {
                done.completeExceptionally(new AssertionError("received " + (at + n) + " bytes, more than the "
                        + bytes.length + " the partner sent (duplicated bytes)"));
            } else {
                buf.readBytes(bytes, at, n);
            }
            received = at + n;
            buf.release();
            if (received == bytes.length) {
                done.complete(bytes);
            }
        }
    }
}
