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
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A region whose file ends before the region does (the file was truncated before or while it is sent) cannot be
 * sent whole, and once part of it is on the wire nothing written after it may follow: the peer would take those
 * bytes for the rest of the region (an HTTP client for the rest of a body, the next response misframed). As in
 * Netty's own transports (an IOException of a write closes the channel), the channel closes.
 */
@GetBufTest(warmUp = false)
@Timeout(60)
class TruncatedRegionTest {
    private static final int FILE_SIZE = 100_000;
    private static final String AFTER = "NEXT RESPONSE";

    @TempDir
    static Path dir;
    private static EventLoopGroup group;
    private static EventLoopGroup clients;

    @BeforeAll
    static void setUp() {
        GetBufAssumptions.assumeAvailable();
        group = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory());
        clients = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (group != null) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
            clients.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    @ParameterizedTest
    @EnumSource(value = GetBufFileStrategy.class, mode = EnumSource.Mode.EXCLUDE, names = "AUTO")
    void nothingWrittenAfterARegionCutShortIsSent(GetBufFileStrategy strategy) throws Exception {
        cutShort(strategy, FILE_SIZE);
    }

    /**
     * The file ends inside a chain's third chunk (of 256 KiB): with GET_BUF, a GET_BUF that reports only when it fails
     * comes back short after two that succeeded silently, and the kernel then posts nothing for the rest of the chain
     * (the transfer must complete those steps itself, or the write never ends).
     */
    @ParameterizedTest
    @EnumSource(value = GetBufFileStrategy.class, mode = EnumSource.Mode.EXCLUDE, names = "AUTO")
    void aFileThatEndsMidChainEndsTheWriteAsCutShort(GetBufFileStrategy strategy) throws Exception {
        cutShort(strategy, 600_000);
    }

    private static void cutShort(GetBufFileStrategy strategy, int fileSize) throws Exception {
        Path file = dir.resolve("short-" + strategy + "-" + fileSize);
        Files.write(file, new byte[fileSize]);
        Channel server = new ServerBootstrap().group(group).channel(GetBufServerSocketChannel.class)
                .childOption(GetBufChannelOption.FILE_STRATEGY, strategy)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) throws Exception {
                        FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
                        // the region says twice the file: the file "shrank" after its size was read
                        ctx.write(new DefaultFileRegion(fc, 0, 2L * fileSize));
                        ctx.writeAndFlush(Unpooled.copiedBuffer(AFTER, StandardCharsets.US_ASCII));
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try {
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            CompletableFuture<Void> closed = new CompletableFuture<>();
            Channel c = new Bootstrap().group(clients).channel(NioSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ByteBuf b = (ByteBuf) msg;
                            byte[] bytes = new byte[b.readableBytes()];
                            b.readBytes(bytes);
                            synchronized (received) {
                                received.writeBytes(bytes);
                            }
                            b.release();
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext ctx) {
                            closed.complete(null);
                        }
                    }).connect(server.localAddress()).sync().channel();
            boolean serverClosed;
            try {
                closed.get(30, TimeUnit.SECONDS); // the server closes the connection
                serverClosed = true;
            } catch (java.util.concurrent.TimeoutException e) {
                serverClosed = false;
            } finally {
                c.close().sync();
            }
            String text;
            int size;
            synchronized (received) {
                size = received.size();
                text = received.toString(StandardCharsets.US_ASCII);
            }
            assertFalse(text.contains(AFTER), strategy + ": what was written after the region followed it ("
                    + size + " bytes arrived" + (serverClosed ? ")" : ", and the connection stayed open)"));
            assertTrue(size <= fileSize, strategy + ": " + size + " bytes arrived");
            assertTrue(serverClosed, strategy + ": the connection stayed open");
        } finally {
            server.close().sync();
        }
    }
}
