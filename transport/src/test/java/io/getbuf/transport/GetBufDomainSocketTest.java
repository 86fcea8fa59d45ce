/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.channel.unix.PeerCredentials;
import io.netty.channel.unix.RawUnixChannelOption;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.channel.unix.tests.UnixTestUtils;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.File;
import java.io.RandomAccessFile;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What getbuf's Unix domain sockets do beyond Netty's testsuite: descriptors both ways (SCM_RIGHTS through the ring),
 * peer credentials, path and abstract names on both ends, half-closure, and file regions byte-exact by every strategy
 * (those that send with SEND_ZC, which AF_UNIX lacks, fall back to SENDFILE, counted).
 */
@GetBufTest(warmUp = false)
@Timeout(60)
class GetBufDomainSocketTest {
    private static final String CONTENT = "descriptor content: getbuf over AF_UNIX";
    private static EventLoopGroup group;
    private static EventLoopGroup ringGroup;

    @BeforeAll
    static void setUp() {
        GetBufAssumptions.assumeAvailable();
        group = Fixtures.getbuf(2, new GetBufIoHandlerConfig());
        ringGroup = Fixtures.getbuf(1, new GetBufIoHandlerConfig().setBufferRing(new GetBufBufferRingConfig(16, 1024)));
    }

    @AfterAll
    static void tearDown() throws Exception {
        Fixtures.shutdown(group, ringGroup);
    }

    // ---- descriptors ----

    /**
     * The server's child sends the write end of a pipe to the client, then bytes; the client sends the write end of
     * another pipe back. Each side writes through the descriptor it received (a new number for the same pipe), and
     * the bytes come out of the pipe's read end here; the bytes that follow the descriptor arrive once the reader is
     * back in BYTES mode.
     */
    @Test
    void passesDescriptorsBothWays() throws Exception {
        FileDescriptor[] pipeToClient = FileDescriptor.pipe();
        FileDescriptor[] pipeToServer = FileDescriptor.pipe();
        FileDescriptor toClient = pipeToClient[1];
        FileDescriptor toServer = pipeToServer[1];
        CompletableFuture<FileDescriptor> atClient = new CompletableFuture<>();
        CompletableFuture<FileDescriptor> atServer = new CompletableFuture<>();
        CompletableFuture<String> bytesAtClient = new CompletableFuture<>();
        Channel server = null;
        Channel client = null;
        try {
            server = new ServerBootstrap().group(group).channel(GetBufServerDomainSocketChannel.class)
                    .childOption(UnixChannelOption.DOMAIN_SOCKET_READ_MODE, DomainSocketReadMode.FILE_DESCRIPTORS)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            ctx.write(toClient);
                            ctx.writeAndFlush(Unpooled.copiedBuffer("after the descriptor", StandardCharsets.UTF_8))
                                    .addListener(f -> {
                                        if (!f.isSuccess()) {
                                            bytesAtClient.completeExceptionally(f.cause());
                                        }
                                    });
                        }

                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            if (msg instanceof FileDescriptor) {
                                atServer.complete((FileDescriptor) msg);
                            } else {
                                ReferenceCountUtil.release(msg);
                                atServer.completeExceptionally(new AssertionError("not a descriptor: " + msg));
                            }
                        }
                    }).bind(UnixTestUtils.newDomainSocketAddress()).sync().channel();
            client = new Bootstrap().group(group).channel(GetBufDomainSocketChannel.class)
                    .option(UnixChannelOption.DOMAIN_SOCKET_READ_MODE, DomainSocketReadMode.FILE_DESCRIPTORS)
                    .handler(new ChannelInboundHandlerAdapter() {
                        private final StringBuilder text = new StringBuilder();

                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            if (msg instanceof FileDescriptor) {
                                atClient.complete((FileDescriptor) msg);
                                ((GetBufDomainSocketChannel) ctx.channel()).config()
                                        .setReadMode(DomainSocketReadMode.BYTES);
                                return;
                            }
                            ByteBuf buf = (ByteBuf) msg;
                            text.append(buf.toString(StandardCharsets.UTF_8));
                            buf.release();
                            if (text.length() >= "after the descriptor".length()) {
                                bytesAtClient.complete(text.toString());
                            }
                        }
                    }).connect(server.localAddress()).sync().channel();
            client.writeAndFlush(toServer).sync();

            assertSamePipe(pipeToClient, atClient.get(10, TimeUnit.SECONDS));
            assertSamePipe(pipeToServer, atServer.get(10, TimeUnit.SECONDS));
            assertEquals("after the descriptor", bytesAtClient.get(10, TimeUnit.SECONDS));
        } finally {
            closeAll(client, server);
            closeIfDone(atClient);
            closeIfDone(atServer);
            for (FileDescriptor fd : new FileDescriptor[] {
                    pipeToClient[0], pipeToClient[1], pipeToServer[0], pipeToServer[1]}) {
                fd.close();
            }
        }
    }

    /** {@code received} is a new descriptor of the pipe whose write end was sent: what it writes comes out here. */
    private static void assertSamePipe(FileDescriptor[] pipe, FileDescriptor received) throws Exception {
        assertTrue(received.isOpen());
        assertNotEquals(pipe[1].intValue(), received.intValue(), "a new descriptor of the same pipe");
        byte[] bytes = CONTENT.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocateDirect(bytes.length);
        out.put(bytes).flip();
        assertEquals(bytes.length, received.write(out, 0, bytes.length));
        ByteBuffer in = ByteBuffer.allocateDirect(256);
        int n = pipe[0].read(in, 0, in.capacity());
        in.limit(n);
        assertEquals(CONTENT, StandardCharsets.UTF_8.decode(in).toString());
    }

    private static void closeIfDone(CompletableFuture<FileDescriptor> f) throws Exception {
        if (f.isDone() && !f.isCompletedExceptionally()) {
            f.get().close();
        }
    }

    // ---- peer credentials ----

    @Test
    void peerCredentialsAreThisProcess() throws Exception {
        CompletableFuture<PeerCredentials> ofClient = new CompletableFuture<>();
        Channel server = null;
        Channel client = null;
        try {
            server = new ServerBootstrap().group(group).channel(GetBufServerDomainSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) throws Exception {
                            ofClient.complete(((GetBufDomainSocketChannel) ctx.channel()).peerCredentials());
                        }
                    }).bind(abstractName()).sync().channel();
            client = new Bootstrap().group(group).channel(GetBufDomainSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter()).connect(server.localAddress()).sync().channel();
            long[] ids = processIds();
            for (PeerCredentials c : new PeerCredentials[] {
                    ((GetBufDomainSocketChannel) client).peerCredentials(), ofClient.get(10, TimeUnit.SECONDS)}) {
                assertEquals(ProcessHandle.current().pid(), c.pid(), c.toString());
                assertEquals(ids[0], c.uid(), c.toString());
                assertEquals(ids[1], c.gids()[0], c.toString());
            }
        } finally {
            closeAll(client, server);
        }
    }

    /**
     * Any socket option by level and number, as on Netty's native transports: SO_PASSCRED set and read back with an
     * {@code IntegerUnixChannelOption}, SO_PEERCRED (struct ucred: pid, uid, gid) read with a
     * {@code RawUnixChannelOption}.
     */
    @Test
    void integerAndRawUnixOptions() throws Exception {
        IntegerUnixChannelOption passCred = new IntegerUnixChannelOption("SO_PASSCRED", 1, 16);
        RawUnixChannelOption peerCred = new RawUnixChannelOption("SO_PEERCRED", 1, 17, 12);
        Channel server = null;
        Channel client = null;
        try {
            server = new ServerBootstrap().group(group).channel(GetBufServerDomainSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter()).bind(abstractName()).sync().channel();
            client = new Bootstrap().group(group).channel(GetBufDomainSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter()).connect(server.localAddress()).sync().channel();
            assertEquals(0, client.config().getOption(passCred));
            assertTrue(client.config().setOption(passCred, 1));
            assertEquals(1, client.config().getOption(passCred));
            java.nio.ByteBuffer ucred = client.config().getOption(peerCred).order(java.nio.ByteOrder.nativeOrder());
            assertEquals(ProcessHandle.current().pid(), ucred.getInt(0));
            assertEquals(processIds()[0], ucred.getInt(4));
        } finally {
            closeAll(client, server);
        }
    }

    /** The effective uid and gid of this process, from /proc/self/status. */
    private static long[] processIds() throws Exception {
        long uid = -1;
        long gid = -1;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            String[] f = line.split("\\s+");
            if (f[0].equals("Uid:")) {
                uid = Long.parseLong(f[2]);
            } else if (f[0].equals("Gid:")) {
                gid = Long.parseLong(f[2]);
            }
        }
        return new long[] {uid, gid};
    }

    // ---- addresses ----

    @Test
    void pathNamesOnBothEnds() throws Exception {
        DomainSocketAddress bound = UnixTestUtils.newDomainSocketAddress();
        DomainSocketAddress clientName = UnixTestUtils.newDomainSocketAddress();
        assertNames(bound, clientName);
        assertFalse(new File(bound.path()).exists(), "the server deletes its socket file when it closes");
        assertTrue(new File(clientName.path()).delete(), "the client's socket file");
    }

    @Test
    void abstractNamesOnBothEnds() throws Exception {
        assertNames(abstractName(),
                abstractName());
    }

    /** Server bound to {@code bound}; one client unbound, one bound to {@code clientName}: every end's names. */
    private void assertNames(DomainSocketAddress bound, DomainSocketAddress clientName) throws Exception {
        List<Channel> children = new CopyOnWriteArrayList<>();
        Channel server = null;
        Channel unbound = null;
        Channel named = null;
        try {
            server = new ServerBootstrap().group(group).channel(GetBufServerDomainSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public boolean isSharable() {
                            return true;
                        }

                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            children.add(ctx.channel());
                        }
                    }).bind(bound).sync().channel();
            assertEquals(bound, server.localAddress());
            Bootstrap cb = new Bootstrap().group(group).channel(GetBufDomainSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public boolean isSharable() {
                            return true;
                        }
                    });
            unbound = cb.connect(bound).sync().channel();
            assertInstanceOf(GetBufDomainSocketChannel.class, unbound);
            assertEquals(bound, unbound.remoteAddress());
            assertEquals(new DomainSocketAddress(""), unbound.localAddress(), "an unbound client has no name");
            named = cb.connect(bound, clientName).sync().channel();
            assertEquals(bound, named.remoteAddress());
            assertEquals(clientName, named.localAddress());
            assertTrue(TestSupport.await(() -> children.size() == 2, 10));
            for (Channel child : children) {
                assertEquals(bound, child.localAddress());
                assertEquals(server, child.parent());
            }
            // the two children may be accepted on different loops: their order is not the clients'
            Set<SocketAddress> peers = children.stream().map(Channel::remoteAddress).collect(Collectors.toSet());
            assertEquals(Set.of(new DomainSocketAddress(""), clientName), peers);
        } finally {
            closeAll(named, unbound, server);
            closeAll(children.toArray(new Channel[0]));
        }
    }

    // ---- reads ----

    /**
     * A burst queued whole before the first read arrives whole and in order, 512 bytes per read. The readiness-reads
     * execution runs this class too: there reads would wait on a multishot POLLIN poll if Unix sockets used readiness
     * reads (they do not: see GetBufDomainSocketChannel#readinessReadsWork).
     */
    @Test
    void smallReadsDrainABurst() throws Exception {
        int size = 32 * 1024; // one skb, queued whole before the first read
        byte[] burst = new byte[size];
        new Random(42).nextBytes(burst);
        ByteBuf received = Unpooled.buffer(size);
        CompletableFuture<Void> all = new CompletableFuture<>();
        Channel server = null;
        Channel client = null;
        try {
            server = new ServerBootstrap().group(group).channel(GetBufServerDomainSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            ctx.writeAndFlush(Unpooled.wrappedBuffer(burst));
                        }
                    }).bind(abstractName()).sync().channel();
            client = new Bootstrap().group(group).channel(GetBufDomainSocketChannel.class)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(512))
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ByteBuf buf = (ByteBuf) msg;
                            synchronized (received) {
                                received.writeBytes(buf);
                                if (received.readableBytes() == size) {
                                    all.complete(null);
                                }
                            }
                            buf.release();
                        }
                    }).connect(server.localAddress()).sync().channel();
            all.get(10, TimeUnit.SECONDS);
            synchronized (received) {
                assertArrayEquals(burst, ByteBufUtil.getBytes(received));
            }
        } finally {
            received.release();
            closeAll(client, server);
        }
    }

    // ---- half-closure ----

    /**
     * The client shuts its output down: the server's child (ALLOW_HALF_CLOSURE) sees its input end, still writes,
     * then closes; the client reads that and sees the end of the connection.
     */
    @Test
    void halfClosure() throws Exception {
        CompletableFuture<Void> childInputShut = new CompletableFuture<>();
        CompletableFuture<String> atClient = new CompletableFuture<>();
        Channel server = null;
        Channel client = null;
        try {
            server = new ServerBootstrap().group(group).channel(GetBufServerDomainSocketChannel.class)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ReferenceCountUtil.release(msg);
                        }

                        @Override
                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                            if (evt instanceof ChannelInputShutdownEvent) {
                                childInputShut.complete(null);
                                assertTrue(((DuplexChannel) ctx.channel()).isInputShutdown());
                                ctx.writeAndFlush(Unpooled.copiedBuffer("bye", StandardCharsets.UTF_8))
                                        .addListener(ChannelFutureListener.CLOSE);
                            }
                        }
                    }).bind(abstractName()).sync().channel();
            StringBuilder text = new StringBuilder();
            client = new Bootstrap().group(group).channel(GetBufDomainSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            text.append(((ByteBuf) msg).toString(StandardCharsets.UTF_8));
                            ReferenceCountUtil.release(msg);
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext ctx) {
                            atClient.complete(text.toString());
                        }
                    }).connect(server.localAddress()).sync().channel();
            client.writeAndFlush(Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8)).sync();
            ((GetBufDomainSocketChannel) client).shutdownOutput().sync();
            assertTrue(((GetBufDomainSocketChannel) client).isOutputShutdown());
            childInputShut.get(10, TimeUnit.SECONDS);
            assertEquals("bye", atClient.get(10, TimeUnit.SECONDS));
        } finally {
            closeAll(client, server);
        }
    }

    // ---- file regions ----

    /**
     * A file region over AF_UNIX arrives byte for byte by every strategy; those that send with SEND_ZC (GET_BUF,
     * READ_FIXED_ZC) go by SENDFILE instead, each such region counted as a fallback of the strategy asked for.
     */
    @ParameterizedTest
    @EnumSource(GetBufFileStrategy.class)
    void fileRegionsByteExact(GetBufFileStrategy strategy) throws Exception {
        int size = 3 * 1024 * 1024 + 12345;
        byte[] content = new byte[size];
        new Random(strategy.ordinal()).nextBytes(content);
        File file = Files.createTempFile("getbuf-uds-region", ".bin").toFile();
        Files.write(file.toPath(), content);
        int offset = 777;
        int count = size - offset - 99;
        CompletableFuture<GetBufDomainSocketChannel> sender = new CompletableFuture<>();
        Channel server = null;
        Channel client = null;
        ByteBuf received = Unpooled.buffer(count);
        CompletableFuture<Void> all = new CompletableFuture<>();
        try {
            server = new ServerBootstrap().group(group).channel(GetBufServerDomainSocketChannel.class)
                    .childOption(GetBufChannelOption.FILE_STRATEGY, strategy)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) throws Exception {
                            ctx.write(Unpooled.copiedBuffer(new byte[] {1, 2, 3}));
                            ChannelFuture f = ctx.writeAndFlush(new DefaultFileRegion(
                                    new RandomAccessFile(file, "r").getChannel(), offset, count));
                            f.addListener(done -> {
                                if (done.isSuccess()) {
                                    sender.complete((GetBufDomainSocketChannel) ctx.channel());
                                } else {
                                    sender.completeExceptionally(done.cause());
                                }
                            });
                        }
                    }).bind(UnixTestUtils.newDomainSocketAddress()).sync().channel();
            client = new Bootstrap().group(ringGroup).channel(GetBufDomainSocketChannel.class)
                    .option(GetBufChannelOption.USE_BUFFER_RING, true)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ByteBuf buf = (ByteBuf) msg;
                            synchronized (received) {
                                received.writeBytes(buf);
                                if (received.readableBytes() >= 3 + count) {
                                    all.complete(null);
                                }
                            }
                            buf.release();
                        }
                    }).connect(server.localAddress()).sync().channel();
            GetBufDomainSocketChannel child = sender.get(30, TimeUnit.SECONDS);
            all.get(30, TimeUnit.SECONDS);
            byte[] got;
            synchronized (received) {
                assertEquals(3 + count, received.readableBytes());
                assertEquals(1, received.readByte());
                assertEquals(2, received.readByte());
                assertEquals(3, received.readByte());
                got = new byte[count];
                received.readBytes(got);
            }
            byte[] expected = new byte[count];
            System.arraycopy(content, offset, expected, 0, count);
            assertArrayEquals(expected, got, "bytes by " + strategy);

            GetBufFileSendStats stats = child.fileSendStats();
            GetBufFileStrategy went = expectedStrategy(strategy);
            assertEquals(count, stats.bytes(went), strategy + " went by " + went + ": " + stats);
            assertEquals(1, stats.regions(went), stats.toString());
            // a strategy this kernel lacks goes by SENDFILE uncounted, on TCP as here
            boolean fallsBack = (strategy == GetBufFileStrategy.GET_BUF || strategy == GetBufFileStrategy.READ_FIXED_ZC)
                    && GetBufIoHandler.handlerOf(child.eventLoop()).fileStrategies().strategy(strategy).isAvailable();
            assertEquals(fallsBack ? 1 : 0, stats.fallbacks(strategy), stats.toString());
        } finally {
            received.release();
            closeAll(client, server);
            Files.deleteIfExists(file.toPath());
        }
    }

    /** Where a region asked to go by {@code asked} goes on a Unix socket, on this kernel. */
    private static GetBufFileStrategy expectedStrategy(GetBufFileStrategy asked) {
        switch (asked) {
            case SPLICE:
                return GetBuf.isSpliceSupported() ? asked : GetBufFileStrategy.SENDFILE;
            case READ_FIXED:
                return GetBuf.isRegisteredBuffersSupported() ? asked : GetBufFileStrategy.SENDFILE;
            case COPY:
                return asked;
            default:
                return GetBufFileStrategy.SENDFILE; // AUTO, SENDFILE, and the SEND_ZC ones that fall back
        }
    }

    /**
     * A fresh Linux abstract name: a leading NUL, no file. (Not GetBufSocketTestPermutation's: loading that class
     * starts the testsuite's NIO group, whose selectors would count as this class's leak.)
     */
    private static DomainSocketAddress abstractName() {
        return new DomainSocketAddress("\0getbuf-test-" + UUID.randomUUID());
    }

    private static void closeAll(Channel... channels) throws InterruptedException {
        for (Channel c : channels) {
            if (c != null) {
                c.close().sync();
            }
        }
    }
}
