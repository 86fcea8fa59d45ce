/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Responses written (and flushed) from the listener of the previous response's last write, as a pipelining HTTP
 * server does: a head buffer, a file region, an empty buffer carrying the listener. The bytes must leave once each and
 * in order with every file strategy, whether the listener runs while the channel is submitting (an empty buffer
 * removed on the spot, a region sendfile finished at once) or while a completion is being handled.
 */
@GetBufTest(warmUp = false)
class WriteFromListenerTest {
    private static final int RESPONSES = 60;
    private static final int[] BODIES = {22, 100_001, 5, 70_000};

    @TempDir
    static Path dir;
    private static EventLoopGroup group;

    @BeforeAll
    static void setUp() {
        GetBufAssumptions.assumeAvailable();
        group = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory());
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (group != null) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    private static byte[] body(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ('a' + (i * 7 + n) % 26);
        }
        return b;
    }

    private static byte[] head(int i) {
        return ("response " + i + " of " + BODIES[i % BODIES.length] + " bytes\n").getBytes(StandardCharsets.US_ASCII);
    }

    @ParameterizedTest
    @EnumSource(value = GetBufFileStrategy.class, mode = EnumSource.Mode.EXCLUDE, names = "AUTO")
    void responsesWrittenFromAWriteListenerLeaveOnceAndInOrder(GetBufFileStrategy strategy) throws Exception {
        Path[] files = new Path[BODIES.length];
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int k = 0; k < BODIES.length; k++) {
            files[k] = dir.resolve("body-" + k);
            Files.write(files[k], body(BODIES[k]));
        }
        for (int i = 0; i < RESPONSES; i++) {
            expected.write(head(i));
            expected.write(body(BODIES[i % BODIES.length]));
        }
        Channel server = new ServerBootstrap().group(group).channel(GetBufServerSocketChannel.class)
                .childOption(GetBufChannelOption.FILE_STRATEGY, strategy)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) throws IOException {
                        respond(ctx, 0);
                    }

                    private void respond(ChannelHandlerContext ctx, int i) throws IOException {
                        if (i == RESPONSES) {
                            ctx.close();
                            return;
                        }
                        ctx.write(Unpooled.wrappedBuffer(head(i)));
                        FileChannel fc = FileChannel.open(files[i % files.length], StandardOpenOption.READ);
                        ctx.write(new DefaultFileRegion(fc, 0, fc.size()));
                        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                            if (f.isSuccess()) {
                                respond(ctx, i + 1);
                            }
                        });
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try (Socket client = new Socket("127.0.0.1", ((InetSocketAddress) server.localAddress()).getPort())) {
            client.setSoTimeout(20_000);
            InputStream in = client.getInputStream();
            byte[] got = in.readAllBytes();
            assertArrayEquals(expected.toByteArray(), got, strategy + ": the stream differs");
        } finally {
            server.close().sync();
        }
    }
}
