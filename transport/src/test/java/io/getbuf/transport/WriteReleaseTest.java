/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A write's buffers are released by the channel exactly once, before the write's promise completes, on every path:
 * a writer that retained its buffer finds it at refCnt 1 in the write's listener, whether the write succeeded or
 * failed because the channel closed while the kernel still had it. Repeated many times from {@code channelActive} of
 * getbuf clients (the write in flight when the close comes), as conformance suites do; the leak detector checks that
 * nothing is lost.
 */
@GetBufTest(warmUp = false)
@Timeout(120)
class WriteReleaseTest {
    private static final int CONNECTIONS = 400;
    private static EventLoopGroup servers;
    private static EventLoopGroup clients;
    private static Channel server;

    enum Shape { DIRECT, COMPOSITE, HEAD_AND_REGION }

    @BeforeAll
    static void setUp() throws Exception {
        GetBufAssumptions.assumeAvailable();
        servers = Fixtures.nio(1);
        clients = Fixtures.getbuf(2, new GetBufIoHandlerConfig());
        server = new ServerBootstrap().group(servers).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public boolean isSharable() {
                        return true;
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg);
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (server != null) {
            server.close().sync();
        }
        Fixtures.shutdown(clients, servers);
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void aWritesBufferIsTheWritersAloneWhenItsPromiseCompletes(Shape shape) throws Exception {
        for (boolean closeAtOnce : new boolean[] {false, true}) {
            ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
            CountDownLatch done = new CountDownLatch(CONNECTIONS);
            List<Channel> channels = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                channels.add(new Bootstrap().group(clients).channel(GetBufSocketChannel.class)
                        .handler(new Writer(shape, closeAtOnce, wrong, done)).connect(server.localAddress())
                        .sync().channel());
            }
            assertTrue(done.await(60, TimeUnit.SECONDS), "every write completed");
            for (Channel c : channels) {
                c.close().sync();
            }
            List<String> w = new ArrayList<>(wrong);
            assertEquals(0, w.size(), (closeAtOnce ? "closed at once: " : "") + "writes whose buffer the channel "
                    + "still held when the promise completed, of " + CONNECTIONS + ", e.g. "
                    + w.subList(0, Math.min(3, w.size())));
        }
    }

    /** Writes a retained buffer in channelActive and checks, in the listener, that only the writer holds it. */
    private static final class Writer extends ChannelInboundHandlerAdapter {
        private final Shape shape;
        private final boolean closeAtOnce;
        private final ConcurrentLinkedQueue<String> wrong;
        private final CountDownLatch done;

        Writer(Shape shape, boolean closeAtOnce, ConcurrentLinkedQueue<String> wrong, CountDownLatch done) {
            this.shape = shape;
            this.closeAtOnce = closeAtOnce;
            this.wrong = wrong;
            this.done = done;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ByteBuf buf = message(ctx);
            buf.retain(); // the writer's own reference
            ctx.writeAndFlush(buf).addListener(f -> {
                if (buf.refCnt() != 1) {
                    wrong.add("refCnt " + buf.refCnt() + " after " + (f.isSuccess() ? "success" : f.cause()));
                }
                buf.release();
                done.countDown();
            });
            if (closeAtOnce) {
                ctx.close();
            }
        }

        private ByteBuf message(ChannelHandlerContext ctx) {
            ByteBuf b = ctx.alloc().directBuffer(1024).writeZero(1024);
            if (shape == Shape.COMPOSITE) {
                CompositeByteBuf c = ctx.alloc().compositeDirectBuffer();
                c.addComponents(true, b, ctx.alloc().directBuffer(512).writeZero(512));
                return c;
            }
            if (shape == Shape.HEAD_AND_REGION) {
                ctx.write(Unpooled.directBuffer(16).writeZero(16)); // a write gathered with it
            }
            return b;
        }
    }
}
