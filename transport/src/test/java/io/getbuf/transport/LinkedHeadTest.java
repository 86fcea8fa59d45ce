/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A response's head (buffers) and body (a DefaultFileRegion by GET_BUF) flushed together go in one submission: the
 * head's send, then the body's GET_BUF and SEND_ZC linked behind it, so a response costs one trip through the ring
 * instead of two. On the patched kernel (kernel/vm/java-tests) the channel's count of linked writes proves the link
 * was made; on a stock kernel nothing links (GET_BUF falls back to SENDFILE) and the same bytes must arrive. Every
 * case checks the bytes, that the slots are empty afterwards and that the provider has every page back.
 */
@GetBufTest(warmUp = false)
@Timeout(120)
class LinkedHeadTest {
    private static final int HEAD = 301;
    private static final long BODY = (1 << 20) + 3;

    @TempDir
    static Path dir;
    private static EventLoopGroup group;
    private static EventLoopGroup clients;
    private static Path file;

    @BeforeAll
    static void setUp() throws IOException {
        GetBufAssumptions.assumeAvailable();
        LentPages.requireGetBufWhereAsked();
        group = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory());
        clients = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        file = FileTransferTest.patternFile(dir, BODY);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (group != null) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
            clients.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    private static boolean patched() {
        return GetBuf.isGetBufSupported();
    }

    /** {@code length} bytes of head: its own pattern, so a head and a body cannot be taken for one another. */
    private static ByteBuf head(int seed, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (seed * 31 + i * 7 + 1);
        }
        return Unpooled.directBuffer(length).writeBytes(bytes);
    }

    private static DefaultFileRegion body(long offset, long count) {
        return new DefaultFileRegion(file.toFile(), offset, count);
    }

    /** Sends {@code responses} heads and bodies of {@code bodyLength} (offset {@code i} each) with one flush. */
    private static void writeResponses(Channel ch, int responses, long bodyLength, List<ChannelFuture> writes) {
        synchronized (writes) {
            for (int i = 0; i < responses; i++) {
                writes.add(ch.write(head(i, HEAD)));
                writes.add(ch.write(body(i, bodyLength)));
            }
        }
        ch.flush();
    }

    private static void assertResponses(ByteBuf received, int responses, long bodyLength) {
        byte[] got;
        try {
            got = new byte[received.readableBytes()]; // in bulk: each access to a leak-tracked buffer is recorded
            received.getBytes(received.readerIndex(), got);
        } finally {
            received.release();
        }
        assertEquals(responses * (HEAD + bodyLength), got.length, "bytes received");
        int k = 0;
        for (int i = 0; i < responses; i++) {
            for (int j = 0; j < HEAD; j++, k++) {
                if (got[k] != (byte) (i * 31 + j * 7 + 1)) {
                    throw new AssertionError("byte " + j + " of head " + i + " differs");
                }
            }
            for (long j = 0; j < bodyLength; j++, k++) {
                if (got[k] != FileTransferTest.patternAt(i + j)) {
                    throw new AssertionError("byte " + j + " of body " + i + " differs");
                }
            }
        }
    }

    private static void assertWritesSucceeded(List<ChannelFuture> writes) throws InterruptedException {
        for (ChannelFuture w : writes) {
            assertTrue(w.await(10, TimeUnit.SECONDS) && w.isSuccess(), "write: " + w.cause());
        }
    }

    private static long linkedWrites(EventLoop loop, GetBufSocketChannel ch) throws Exception {
        return loop.submit(ch::linkedWrites).get();
    }

    private static long regions(EventLoop loop, GetBufFileStrategy kind) {
        return GetBufIoHandler.fileSendStats(loop).regions(kind);
    }

    @Test
    void aHeadAndItsBodyGoInOneLink() throws Exception {
        EventLoop loop = group.next();
        LentPages.Counters before = LentPages.counters();
        long getBufBefore = regions(loop, GetBufFileStrategy.GET_BUF);
        long[] sizes = {1, 4096 + 7, BODY - 3};
        for (long size : sizes) {
            List<ChannelFuture> writes = new ArrayList<>();
            AtomicReference<GetBufSocketChannel> child = new AtomicReference<>();
            ByteBuf received = RegisteredByteBufTest.serve(clients, loop, (int) (HEAD + size),
                    ch -> writeResponses(ch, 1, size, writes), child);
            assertResponses(received, 1, size);
            assertWritesSucceeded(writes);
            assertEquals(patched() ? 1 : 0, linkedWrites(loop, child.get()), size + " bytes: linked writes");
        }
        if (patched()) {
            assertEquals(getBufBefore + sizes.length, regions(loop, GetBufFileStrategy.GET_BUF));
        }
        LentPages.assertSlotsEmpty(group);
        LentPages.assertGivenBack(before, sizes.length);
    }

    /** Many responses in one flush: each head links its own body, in order, none overtaking another. */
    @Test
    void pipelinedResponsesLinkOneAfterAnother() throws Exception {
        EventLoop loop = group.next();
        LentPages.Counters before = LentPages.counters();
        int responses = 200;
        long size = 20_000;
        List<ChannelFuture> writes = new ArrayList<>();
        AtomicReference<GetBufSocketChannel> child = new AtomicReference<>();
        ByteBuf received = RegisteredByteBufTest.serve(clients, loop, (int) (responses * (HEAD + size)),
                ch -> writeResponses(ch, responses, size, writes), child);
        assertResponses(received, responses, size);
        assertWritesSucceeded(writes);
        assertEquals(patched() ? responses : 0, linkedWrites(loop, child.get()), "linked writes");
        LentPages.assertSlotsEmpty(group);
        LentPages.assertGivenBack(before, responses);
    }

    /**
     * With every slot held (by the application's buffer), the head cannot take one for its body: it goes alone, and
     * the body, rather than wait for a slot the application may hold for good, goes by sendfile, exact.
     */
    @Test
    void withEverySlotHeldTheHeadGoesAloneAndTheBodyFallsBack() throws Exception {
        GetBufAssumptions.assumeRegisteredBuffers();
        EventLoopGroup small = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory(new GetBufIoHandlerConfig()
                .setRegisteredBuffers(2).setFileChunks(1, 64 * 1024)));
        try {
            EventLoop loop = small.next();
            // the one user slot, held by a file read until the response is under way
            ByteBuf held = GetBufFiles.read(loop, file, 0, 4096).get(10, TimeUnit.SECONDS);
            long size = 300_000;
            List<ChannelFuture> writes = new ArrayList<>();
            AtomicReference<GetBufSocketChannel> child = new AtomicReference<>();
            CompletableFuture<ByteBuf> received = CompletableFuture.supplyAsync(() -> {
                try {
                    return RegisteredByteBufTest.serve(clients, loop, (int) (HEAD + size),
                            ch -> writeResponses(ch, 1, size, writes), child);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // the body does not wait for a slot the application may hold for good: it goes by sendfile
            assertResponses(received.get(60, TimeUnit.SECONDS), 1, size);
            assertWritesSucceeded(writes);
            held.release();
            GetBufFileSendStats stats = GetBufIoHandler.fileSendStats(loop);
            assertEquals(1, stats.regions(GetBufFileStrategy.SENDFILE), stats.toString());
            assertEquals(patched() ? 1 : 0, stats.fallbacks(GetBufFileStrategy.GET_BUF), stats.toString());
            assertEquals(0, linkedWrites(loop, child.get()), "nothing to link behind the head");
            LentPages.assertSlotsEmpty(small);
        } finally {
            small.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    /**
     * A peer that is gone: the head fails, which cancels the body linked behind it; the write fails, the channel
     * closes, the slot and the provider's pages come back.
     */
    @Test
    void aHeadToAPeerThatIsGoneFailsAndGivesTheSlotBack() throws Exception {
        EventLoop loop = group.next();
        LentPages.Counters before = LentPages.counters();
        CompletableFuture<GetBufSocketChannel> accepted = new CompletableFuture<>();
        Channel server = new ServerBootstrap().group(loop).channel(GetBufServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        accepted.complete((GetBufSocketChannel) ctx.channel());
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try {
            try (Socket peer = new Socket()) {
                peer.connect(server.localAddress());
                peer.setSoLinger(true, 0); // close with a reset
            }
            GetBufSocketChannel ch = accepted.get(10, TimeUnit.SECONDS);
            List<ChannelFuture> writes = new ArrayList<>();
            // responses until one fails: the reset may take a moment to reach the socket
            for (int round = 0; round < 100 && writes.stream().allMatch(ChannelFuture::isSuccess); round++) {
                writes.clear();
                loop.submit(() -> writeResponses(ch, 1, BODY, writes)).get();
                for (ChannelFuture w : writes) {
                    w.await(10, TimeUnit.SECONDS);
                }
            }
            assertFalse(writes.get(1).isSuccess(), "the body's write failed");
            assertTrue(ch.closeFuture().await(10, TimeUnit.SECONDS), "the channel closed");
        } finally {
            server.close().sync();
        }
        LentPages.assertSlotsEmpty(group);
        LentPages.assertGivenBack(before, 0);
    }
}
