/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.getbuf.transport.testsuite.GetBufTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Bytes sent through a getbuf server and back arrive exact, with and without a buffer ring. */
@GetBufTest(warmUp = false)
@Timeout(60)
class EchoRoundTripTest {
    private static EventLoopGroup group;
    private static EventLoopGroup ringGroup;

    @BeforeAll
    static void setUp() {
        GetBufAssumptions.assumeAvailable();
        group = new MultiThreadIoEventLoopGroup(2, GetBufIoHandler.newFactory());
        ringGroup = new MultiThreadIoEventLoopGroup(2, GetBufIoHandler.newFactory(
                new GetBufIoHandlerConfig().setBufferRing(new GetBufBufferRingConfig(64, 4096))));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (group != null) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
            ringGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void echoesPlainRecv() throws Exception {
        echo(group, 4 * 1024 * 1024);
    }

    @Test
    void echoesThroughBufferRing() throws Exception {
        echo(ringGroup, 4 * 1024 * 1024);
    }

    private static void echo(EventLoopGroup loops, int size) throws Exception {
        byte[] data = new byte[size];
        new Random(42).nextBytes(data);
        Channel server = new ServerBootstrap().group(loops).channel(GetBufServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ctx.writeAndFlush(msg);
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        ByteBuf received = Unpooled.buffer(size);
        CompletableFuture<Void> done = new CompletableFuture<>();
        Channel client = new Bootstrap().group(loops).channel(GetBufSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ByteBuf buf = (ByteBuf) msg;
                                received.writeBytes(buf);
                                buf.release();
                                if (received.readableBytes() == size) {
                                    done.complete(null);
                                }
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                done.completeExceptionally(cause);
                            }
                        });
                    }
                }).connect(server.localAddress()).sync().channel();
        try {
            for (int off = 0; off < size; off += 65536) {
                client.write(Unpooled.wrappedBuffer(data, off, Math.min(65536, size - off)));
            }
            client.flush();
            done.get(30, TimeUnit.SECONDS);
            byte[] got = new byte[size];
            received.getBytes(0, got);
            assertArrayEquals(data, got);
        } finally {
            client.close().sync();
            server.close().sync();
        }
    }
}
