/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
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

import java.io.DataInputStream;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A response's head (a buffer) and body (a file region) leave in one TCP segment when they fit in one (MSG_MORE on the
 * head), not a small segment for the head and another for the body, whatever the file strategy. Counted at the
 * server's socket by the kernel ({@code data_segs_out} of {@code ss -ti}), with TCP_NODELAY on as by default.
 */
@GetBufTest(warmUp = false)
class ResponseSegmentsTest {
    private static final int RESPONSES = 50;
    private static final int HEAD = 200;
    private static final int BODY = 3000;
    private static final Pattern DATA_SEGS_OUT = Pattern.compile("data_segs_out:(\\d+)");

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

    @ParameterizedTest
    @EnumSource(value = GetBufFileStrategy.class, mode = EnumSource.Mode.EXCLUDE, names = "AUTO")
    void headAndBodyShareASegment(GetBufFileStrategy strategy) throws Exception {
        Path file = dir.resolve("body");
        Files.write(file, new byte[BODY]);
        Channel server = new ServerBootstrap().group(group).channel(GetBufServerSocketChannel.class)
                .childOption(GetBufChannelOption.FILE_STRATEGY, strategy)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) throws IOException {
                        int requests = ((ByteBuf) msg).readableBytes();
                        ((ByteBuf) msg).release();
                        for (int i = 0; i < requests; i++) {
                            ctx.write(ctx.alloc().directBuffer(HEAD).writeZero(HEAD));
                            FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
                            ctx.writeAndFlush(new DefaultFileRegion(fc, 0, BODY));
                        }
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        try (Socket client = new Socket("127.0.0.1", port)) {
            client.setTcpNoDelay(true);
            client.setSoTimeout(10_000);
            InputStream in = client.getInputStream();
            byte[] response = new byte[HEAD + BODY];
            for (int i = 0; i < RESPONSES; i++) {
                client.getOutputStream().write(1);
                new DataInputStream(in).readFully(response);
            }
            long segments = dataSegmentsOut(port);
            // one segment per response; a few more are allowed for the kernel's own reasons (none seen here)
            assertTrue(segments <= RESPONSES + RESPONSES / 10, RESPONSES + " responses left in " + segments
                    + " data segments (two per response: the head went alone)");
        } finally {
            server.close().sync();
        }
    }

    /** The data segments the server's end of the one connection on {@code port} sent, from {@code ss -ti}. */
    private static long dataSegmentsOut(int port) throws Exception {
        Process p = new ProcessBuilder("ss", "-tinH", "state", "established", "( sport = :" + port + " )")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "ss did not finish");
        assertEquals(0, p.exitValue(), "ss failed: " + out);
        Matcher m = DATA_SEGS_OUT.matcher(out);
        assertTrue(m.find(), "no data_segs_out in: " + out);
        return Long.parseLong(m.group(1));
    }
}
