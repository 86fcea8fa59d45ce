/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link GetBufDatagramChannel}: many datagrams of random sizes both ways, connected and not, every byte checked;
 * GSO sends ({@link SegmentedDatagramPacket}) and GRO receives split back into datagrams; multicast source filters
 * on the loopback. The leak detector (PARANOID) and the class's fd count are checked by {@link GetBufTest}.
 */
@GetBufTest(warmUp = false)
@Timeout(60)
class GetBufDatagramChannelTest {
    private static final int DATAGRAMS = 3000;
    private static final int WINDOW = 64;
    private static final int MAX_SIZE = 9000;
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    private static EventLoopGroup group;
    private static EventLoopGroup nio;

    @BeforeAll
    static void setUp() {
        GetBufAssumptions.assumeAvailable();
        group = Fixtures.getbuf(2, new GetBufIoHandlerConfig());
        nio = Fixtures.nio(1);
    }

    @AfterAll
    static void tearDown() throws Exception {
        Fixtures.shutdown(group, nio);
    }

    /** Datagram {@code seq}: its number, its length, then bytes that depend on both and on the position. */
    private static ByteBuf payload(Channel ch, int seq, int size) {
        // built in an array and copied once: under the PARANOID leak detector every access to a buffer is recorded
        byte[] bytes = new byte[size];
        for (int i = 8; i < size; i++) {
            bytes[i] = expectedByte(seq, i);
        }
        ByteBuf b = ch.alloc().directBuffer(size);
        return b.writeBytes(bytes).setInt(0, seq).setInt(4, size);
    }

    private static byte expectedByte(int seq, int i) {
        return (byte) ((seq * 0x9E3779B1 + i * 0x85EBCA6B) >>> 23);
    }

    /** Null if {@code content} is datagram {@code seq} exactly, else what is wrong with it. */
    private static String check(ByteBuf content, int seq) {
        int size = content.readableBytes();
        if (size < 8 || content.getInt(content.readerIndex() + 4) != size) {
            return "datagram " + seq + ": " + size + " bytes, header says "
                    + (size < 8 ? "nothing" : content.getInt(content.readerIndex() + 4));
        }
        byte[] bytes = new byte[size];
        content.getBytes(content.readerIndex(), bytes);
        for (int i = 8; i < size; i++) {
            if (bytes[i] != expectedByte(seq, i)) {
                return "datagram " + seq + ": byte " + i + " of " + size + " differs";
            }
        }
        return null;
    }

    @Test
    void unconnectedRandomSizesBothWays() throws Exception {
        roundTrip(false, group, null);
    }

    @Test
    void connectedRandomSizesBothWays() throws Exception {
        roundTrip(true, group, SocketProtocolFamily.INET); // IPv4-only sockets (the others are dual stack)
    }

    @Test
    void againstNioPeer() throws Exception {
        roundTrip(false, nio, null);
    }

    /**
     * A getbuf channel sends {@value #DATAGRAMS} datagrams of random sizes (at most {@value #WINDOW} unanswered, so
     * the loopback never drops one) to a peer on {@code peerGroup} that echoes each back; the sender checks every
     * byte of every echo and that each comes back exactly once from the peer.
     */
    private static void roundTrip(boolean connected, EventLoopGroup peerGroup, SocketProtocolFamily family)
            throws Exception {
        boolean peerIsGetBuf = peerGroup == group;
        Channel peer = new Bootstrap().group(peerGroup)
                .channelFactory(() -> peerIsGetBuf ? new GetBufDatagramChannel(family) : new NioDatagramChannel())
                .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_SIZE))
                .option(ChannelOption.SO_RCVBUF, 1 << 20)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        DatagramPacket p = (DatagramPacket) msg;
                        // connected: a plain ByteBuf goes to the connected peer
                        ctx.write(connected ? p.content() : new DatagramPacket(p.content(), p.sender()));
                    }

                    @Override
                    public void channelReadComplete(ChannelHandlerContext ctx) {
                        ctx.flush();
                    }
                }).bind(LOOPBACK).sync().channel();
        CompletableFuture<Void> done = new CompletableFuture<>();
        Random random = new Random(connected ? 19 : 23);
        int[] sizes = new int[DATAGRAMS];
        for (int i = 0; i < DATAGRAMS; i++) {
            // mostly small, some at the edges: the 8-byte header alone, and the allocator's full buffer
            int r = random.nextInt(10);
            sizes[i] = r == 0 ? 8 : r == 1 ? MAX_SIZE : 8 + random.nextInt(r < 5 ? 1400 : MAX_SIZE - 8);
        }
        boolean[] seen = new boolean[DATAGRAMS];
        int[] state = new int[2]; // sent, received
        InetSocketAddress peerAddress = (InetSocketAddress) peer.localAddress();
        Channel sender = new Bootstrap().group(group).channelFactory(() -> new GetBufDatagramChannel(family))
                .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_SIZE))
                .option(ChannelOption.SO_RCVBUF, 1 << 20)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        DatagramPacket p = (DatagramPacket) msg;
                        try {
                            ByteBuf c = p.content();
                            int seq = c.readableBytes() >= 4 ? c.getInt(c.readerIndex()) : -1;
                            String wrong = seq < 0 || seq >= DATAGRAMS ? "a datagram with no valid number"
                                    : seen[seq] ? "datagram " + seq + " twice" : check(c, seq);
                            if (wrong == null && !peerAddress.equals(p.sender())) {
                                wrong = "datagram " + seq + " from " + p.sender() + ", not " + peerAddress;
                            }
                            if (wrong == null && sizes[seq] != c.readableBytes()) {
                                wrong = "datagram " + seq + " has " + c.readableBytes() + " bytes, sent "
                                        + sizes[seq];
                            }
                            if (wrong != null) {
                                done.completeExceptionally(new AssertionError(wrong));
                                return;
                            }
                            seen[seq] = true;
                            if (++state[1] == DATAGRAMS) {
                                done.complete(null);
                            }
                        } finally {
                            p.release();
                        }
                        sendMore(ctx.channel());
                    }

                    private void sendMore(Channel ch) {
                        boolean wrote = false;
                        while (state[0] < DATAGRAMS && state[0] - state[1] < WINDOW) {
                            int seq = state[0]++;
                            ByteBuf b = payload(ch, seq, sizes[seq]);
                            ch.write(connected ? b : new DatagramPacket(b, peerAddress)).addListener(f -> {
                                if (!f.isSuccess()) {
                                    done.completeExceptionally(f.cause());
                                }
                            });
                            wrote = true;
                        }
                        if (wrote) {
                            ch.flush();
                        }
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if ("start".equals(evt)) {
                            sendMore(ctx.channel());
                        }
                    }
                }).bind(LOOPBACK).sync().channel();
        try {
            if (connected) {
                sender.connect(peerAddress).sync();
                peer.connect(sender.localAddress()).sync();
                assertTrue(((DatagramChannel) sender).isConnected());
                assertEquals(peerAddress, sender.remoteAddress());
            }
            sender.pipeline().fireUserEventTriggered("start");
            try {
                done.get(Fixtures.scaled(30), TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("timed out: " + state[1] + " of " + DATAGRAMS + " echoes back, "
                        + state[0] + " sent", e);
            }
            assertEquals(DATAGRAMS, state[1]);
        } finally {
            sender.close().sync();
            peer.close().sync();
        }
    }

    /**
     * Reads follow the RecvByteBufAllocator: with AUTO_READ off one read() delivers one datagram and nothing comes
     * without the next read(); with AUTO_READ on, a read loop delivers at most maxMessagesPerRead datagrams (taken
     * in batches of receives) before channelReadComplete.
     */
    @Test
    void readsFollowTheAllocator() throws Exception {
        int perRead = 5;
        int count = 12;
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        Channel receiver = new Bootstrap().group(group).channel(GetBufDatagramChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(2048)
                        .maxMessagesPerRead(perRead))
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        DatagramPacket p = (DatagramPacket) msg;
                        events.add(p.content().readInt());
                        p.release();
                    }

                    @Override
                    public void channelReadComplete(ChannelHandlerContext ctx) {
                        events.add("complete");
                    }
                }).bind(LOOPBACK).sync().channel();
        Channel sender = new Bootstrap().group(nio).channel(NioDatagramChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).bind(LOOPBACK).sync().channel();
        try {
            for (int i = 0; i < count; i++) {
                sender.writeAndFlush(new DatagramPacket(sender.alloc().buffer().writeInt(i),
                        (InetSocketAddress) receiver.localAddress())).sync();
            }
            assertNull(events.poll(200, TimeUnit.MILLISECONDS), "read without AUTO_READ or read()");
            for (int i = 0; i < 2; i++) {
                receiver.read();
                assertEquals(i, events.poll(Fixtures.scaled(5), TimeUnit.SECONDS));
                assertEquals("complete", events.poll(Fixtures.scaled(5), TimeUnit.SECONDS));
                assertNull(events.poll(200, TimeUnit.MILLISECONDS), "more than one datagram for one read()");
            }
            receiver.config().setAutoRead(true);
            int next = 2;
            int inLoop = 0;
            int loops = 0;
            while (next < count) {
                Object e = events.poll(Fixtures.scaled(5), TimeUnit.SECONDS);
                assertNotNull(e, "datagram " + next + " never came");
                if ("complete".equals(e)) {
                    assertTrue(inLoop > 0 && inLoop <= perRead, inLoop + " datagrams in one read loop");
                    inLoop = 0;
                    loops++;
                } else {
                    assertEquals(next++, e);
                    inLoop++;
                }
            }
            assertTrue(loops >= (count - 2 - 1) / perRead, loops + " read loops for " + (count - 2) + " datagrams");
        } finally {
            sender.close().sync();
            receiver.close().sync();
        }
    }

    /**
     * A datagram the kernel refuses (an IPv6 recipient for an IPv4 socket) fails its own write and nothing else: the
     * channel stays open and the next datagram goes out.
     */
    @Test
    void refusedDatagramFailsOnlyItsWrite() throws Exception {
        BlockingQueue<DatagramPacket> received = new LinkedBlockingQueue<>();
        Channel peer = collector(nio, false, false, received);
        Channel ch = new Bootstrap().group(group).channelFactory(() -> new GetBufDatagramChannel(
                        SocketProtocolFamily.INET))
                .handler(new ChannelInboundHandlerAdapter()).bind(LOOPBACK).sync().channel();
        try {
            // the test keeps a reference to each: a write releases exactly the one it was given
            ByteBuf bad = ch.alloc().directBuffer().writeInt(1).retain();
            ByteBuf good = ch.alloc().directBuffer().writeInt(2).retain();
            ChannelFuture refused = ch.write(new DatagramPacket(bad, new InetSocketAddress("::1", 9)));
            ChannelFuture fine = ch.writeAndFlush(new DatagramPacket(good, (InetSocketAddress) peer.localAddress()));
            assertNotNull(refused.await().cause());
            assertTrue(fine.await().isSuccess(), String.valueOf(fine.cause()));
            assertEquals(1, bad.refCnt());
            assertEquals(1, good.refCnt());
            bad.release();
            good.release();
            assertTrue(ch.isOpen());
            DatagramPacket p = received.poll(Fixtures.scaled(5), TimeUnit.SECONDS);
            assertNotNull(p);
            assertEquals(2, p.content().getInt(p.content().readerIndex()));
            p.release();
        } finally {
            ch.close().sync();
            peer.close().sync();
            drain(received);
        }
    }

    /**
     * Writability follows the write buffer water marks, and a close with many sends queued and receives in flight
     * completes every write's promise and releases every buffer (the leak detector and the fd count say so).
     */
    @Test
    void writabilityAndCloseWithSendsInFlight() throws Exception {
        BlockingQueue<DatagramPacket> received = new LinkedBlockingQueue<>();
        Channel peer = collector(group, true, false, received);
        Channel ch = new Bootstrap().group(group).channel(GetBufDatagramChannel.class)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new io.netty.channel.WriteBufferWaterMark(
                        8 * 1024, 32 * 1024))
                .handler(new ChannelInboundHandlerAdapter()).bind(LOOPBACK).sync().channel();
        InetSocketAddress to = (InetSocketAddress) peer.localAddress();
        List<ChannelFuture> writes = new ArrayList<>();
        try {
            ch.eventLoop().submit(() -> {
                for (int i = 0; i < 100; i++) {
                    writes.add(ch.write(new DatagramPacket(payload(ch, i, 1000), to)));
                }
                assertFalse(ch.isWritable(), "100 KB queued over a 32 KB high water mark");
                ch.flush();
                return null;
            }).sync();
            for (ChannelFuture f : writes) {
                assertTrue(f.await().isSuccess(), String.valueOf(f.cause()));
            }
            assertTrue(ch.isWritable());
            writes.clear();
            // now close in the same task as a flush of many: some sends are in the kernel, the rest queued
            ch.eventLoop().submit(() -> {
                for (int i = 0; i < 200; i++) {
                    writes.add(ch.write(new DatagramPacket(payload(ch, i, 1000), to)));
                }
                ch.flush();
                ch.close();
                return null;
            }).sync();
            for (ChannelFuture f : writes) {
                f.await(Fixtures.scaled(5), TimeUnit.SECONDS);
                assertTrue(f.isDone());
            }
            ch.closeFuture().sync();
        } finally {
            ch.close().sync();
            peer.close().sync();
            drain(received);
        }
    }

    /** A bound channel deregistered (its receive in flight cancelled) and registered on another loop reads on there. */
    @Test
    void movesToAnotherLoop() throws Exception {
        BlockingQueue<DatagramPacket> received = new LinkedBlockingQueue<>();
        Channel ch = collector(group, true, false, received);
        Channel sender = new Bootstrap().group(nio).channel(NioDatagramChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).bind(LOOPBACK).sync().channel();
        try {
            InetSocketAddress to = (InetSocketAddress) ch.localAddress();
            sender.writeAndFlush(new DatagramPacket(payload(sender, 0, 100), to)).sync();
            DatagramPacket first = received.poll(Fixtures.scaled(5), TimeUnit.SECONDS);
            assertNotNull(first);
            first.release();
            io.netty.channel.EventLoop from = ch.eventLoop();
            io.netty.channel.EventLoop other = null;
            for (io.netty.util.concurrent.EventExecutor e : group) {
                if (e != from) {
                    other = (io.netty.channel.EventLoop) e;
                }
            }
            assertNotNull(other);
            ch.deregister().sync();
            other.register(ch).sync();
            assertEquals(other, ch.eventLoop());
            for (int i = 1; i <= 50; i++) {
                sender.writeAndFlush(new DatagramPacket(payload(sender, i, 100 + i), to)).sync();
            }
            for (int i = 1; i <= 50; i++) {
                DatagramPacket p = received.poll(Fixtures.scaled(5), TimeUnit.SECONDS);
                assertNotNull(p, "datagram " + i + " after the move never came");
                assertNull(check(p.content(), p.content().getInt(p.content().readerIndex())));
                p.release();
            }
        } finally {
            sender.close().sync();
            ch.close().sync();
            drain(received);
        }
    }

    @Test
    void plainByteBufNeedsAConnection() throws Exception {
        Channel ch = new Bootstrap().group(group).channel(GetBufDatagramChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).bind(LOOPBACK).sync().channel();
        try {
            ByteBuf b = ch.alloc().directBuffer().writeInt(1);
            Throwable cause = ch.writeAndFlush(b).await().cause();
            assertTrue(cause instanceof java.nio.channels.NotYetConnectedException, String.valueOf(cause));
            assertEquals(0, b.refCnt());
        } finally {
            ch.close().sync();
        }
    }

    // ---- GSO / GRO ----

    private static final int SEGMENT = 1200;
    private static final int SEGMENTS = 20;
    private static final int TAIL = 500;

    /** One buffer of SEGMENTS segments and a short tail; segment k's bytes are those of datagram k. */
    private static ByteBuf segmented(Channel ch) {
        ByteBuf b = ch.alloc().directBuffer(SEGMENT * SEGMENTS + TAIL);
        for (int k = 0; k <= SEGMENTS; k++) {
            ByteBuf one = payload(ch, k, k == SEGMENTS ? TAIL : SEGMENT);
            b.writeBytes(one);
            one.release();
        }
        return b;
    }

    private static void assertSegments(BlockingQueue<DatagramPacket> received, InetSocketAddress from)
            throws Exception {
        for (int k = 0; k <= SEGMENTS; k++) {
            DatagramPacket p = received.poll(Fixtures.scaled(10), TimeUnit.SECONDS);
            assertNotNull(p, "segment " + k + " never came");
            try {
                assertEquals(from, p.sender());
                assertEquals(k, p.content().getInt(p.content().readerIndex()), "segments out of order");
                assertNull(check(p.content(), k));
                assertEquals(k == SEGMENTS ? TAIL : SEGMENT, p.content().readableBytes());
            } finally {
                p.release();
            }
        }
        assertNull(received.poll(200, TimeUnit.MILLISECONDS), "more datagrams than segments");
    }

    private static Channel collector(EventLoopGroup loops, boolean getbuf, boolean gro,
                                     BlockingQueue<DatagramPacket> into) throws Exception {
        Bootstrap b = new Bootstrap().group(loops)
                .channelFactory(() -> getbuf ? new GetBufDatagramChannel() : new NioDatagramChannel())
                .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(65536))
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        into.add((DatagramPacket) msg);
                    }
                });
        if (gro) {
            b.option(GetBufChannelOption.UDP_GRO, true);
        }
        return b.bind(LOOPBACK).sync().channel();
    }

    /** A SegmentedDatagramPacket leaves as one sendmsg with UDP_SEGMENT and arrives as one datagram per segment. */
    @Test
    void segmentedPacketArrivesAsDatagrams() throws Exception {
        GetBufAssumptions.assumeFeature(GetBufDatagramChannel.isSegmentedDatagramPacketSupported(),
                () -> "the kernel has no UDP_SEGMENT");
        BlockingQueue<DatagramPacket> received = new LinkedBlockingQueue<>();
        Channel nioPeer = collector(nio, false, false, received);
        Channel sender = new Bootstrap().group(group).channel(GetBufDatagramChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).bind(LOOPBACK).sync().channel();
        try {
            sender.writeAndFlush(new SegmentedDatagramPacket(segmented(sender), SEGMENT,
                    (InetSocketAddress) nioPeer.localAddress())).sync();
            assertSegments(received, (InetSocketAddress) sender.localAddress());
            // a composite of two components (split inside a segment) goes out as one contiguous copy
            ByteBuf whole = segmented(sender);
            int cut = SEGMENT * 3 + 17;
            ByteBuf composite = sender.alloc().compositeDirectBuffer(2)
                    .addComponent(true, whole.retainedSlice(0, cut))
                    .addComponent(true, whole.retainedSlice(cut, whole.readableBytes() - cut));
            whole.release();
            sender.writeAndFlush(new SegmentedDatagramPacket(composite, SEGMENT,
                    (InetSocketAddress) nioPeer.localAddress())).sync();
            assertSegments(received, (InetSocketAddress) sender.localAddress());
        } finally {
            sender.close().sync();
            nioPeer.close().sync();
            drain(received);
        }
    }

    /**
     * With UDP_GRO on, the loopback hands the GSO send over coalesced (one receive, a UDP_GRO control message with the
     * segment size); the channel splits it into one DatagramPacket per datagram again.
     */
    @Test
    void groReceiveIsSplitIntoDatagrams() throws Exception {
        GetBufAssumptions.assumeFeature(GetBufDatagramChannel.isSegmentedDatagramPacketSupported()
                && GetBufDatagramChannel.isUdpGroSupported(), () -> "the kernel has no UDP_SEGMENT / UDP_GRO");
        BlockingQueue<DatagramPacket> received = new LinkedBlockingQueue<>();
        Channel receiver = collector(group, true, true, received);
        assertTrue(((GetBufDatagramChannelConfig) receiver.config()).isUdpGro());
        Channel sender = new Bootstrap().group(group).channel(GetBufDatagramChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).bind(LOOPBACK).sync().channel();
        try {
            sender.writeAndFlush(new SegmentedDatagramPacket(segmented(sender), SEGMENT,
                    (InetSocketAddress) receiver.localAddress())).sync();
            assertSegments(received, (InetSocketAddress) sender.localAddress());
        } finally {
            sender.close().sync();
            receiver.close().sync();
            drain(received);
        }
    }

    private static void drain(BlockingQueue<DatagramPacket> q) {
        for (DatagramPacket p; (p = q.poll()) != null; ) {
            ReferenceCountUtil.release(p);
        }
    }

    // ---- multicast on the loopback ----

    /**
     * Source filters: a join for one source hears only that source; an any-source join with a source blocked hears
     * every source but that one. Senders are bound to 127.0.0.2 and 127.0.0.1, all on the loopback interface.
     */
    @Test
    void multicastSourceFilters() throws Exception {
        NetworkInterface lo = NetworkInterface.getByInetAddress(InetAddress.getByName("127.0.0.1"));
        assertNotNull(lo);
        InetAddress group4 = InetAddress.getByName("239.255.42.99");
        InetAddress a = InetAddress.getByName("127.0.0.1");
        InetAddress b = InetAddress.getByName("127.0.0.2");
        BlockingQueue<DatagramPacket> received = new LinkedBlockingQueue<>();
        DatagramChannel receiver = (DatagramChannel) new Bootstrap().group(group)
                .channel(GetBufDatagramChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        received.add((DatagramPacket) msg);
                    }
                }).bind(new InetSocketAddress(0)).sync().channel();
        List<Channel> senders = new ArrayList<>();
        try {
            InetSocketAddress to = new InetSocketAddress(group4, receiver.localAddress().getPort());
            for (InetAddress from : new InetAddress[] {a, b}) {
                Channel s = new Bootstrap().group(group).channel(GetBufDatagramChannel.class)
                        .option(ChannelOption.IP_MULTICAST_IF, lo)
                        .handler(new ChannelInboundHandlerAdapter())
                        .bind(new InetSocketAddress(from, 0)).sync().channel();
                assertEquals(lo, ((DatagramChannel) s).config().getNetworkInterface());
                senders.add(s);
            }
            Channel fromA = senders.get(0);
            Channel fromB = senders.get(1);

            // source-specific join: only b
            receiver.joinGroup(group4, lo, b).sync();
            fromA.writeAndFlush(new DatagramPacket(fromA.alloc().directBuffer().writeInt(1), to)).sync();
            fromB.writeAndFlush(new DatagramPacket(fromB.alloc().directBuffer().writeInt(2), to)).sync();
            assertFrom(received, b, 2);
            receiver.leaveGroup(group4, lo, b).sync();

            // any-source join, b blocked
            receiver.joinGroup(new InetSocketAddress(group4, 0), lo).sync();
            receiver.block(group4, lo, b).sync();
            fromB.writeAndFlush(new DatagramPacket(fromB.alloc().directBuffer().writeInt(3), to)).sync();
            fromA.writeAndFlush(new DatagramPacket(fromA.alloc().directBuffer().writeInt(4), to)).sync();
            assertFrom(received, a, 4);

            // left: nothing at all
            receiver.leaveGroup(new InetSocketAddress(group4, 0), lo).sync();
            fromA.writeAndFlush(new DatagramPacket(fromA.alloc().directBuffer().writeInt(5), to)).sync();
            assertNull(received.poll(300, TimeUnit.MILLISECONDS), "a datagram after leaving the group");

            // an IPv6 group on an IPv4 channel is refused clearly
            DatagramChannel v4 = (DatagramChannel) new Bootstrap().group(group)
                    .channelFactory(() -> new GetBufDatagramChannel(SocketProtocolFamily.INET))
                    .handler(new ChannelInboundHandlerAdapter()).register().sync().channel();
            Throwable cause = v4.joinGroup(InetAddress.getByName("ff02::1:2")).await().cause();
            v4.close().sync();
            assertNotNull(cause);
            assertTrue(cause.getMessage().contains("IPv6"), cause.toString());
        } finally {
            for (Channel s : senders) {
                s.close().sync();
            }
            receiver.close().sync();
            drain(received);
        }
    }

    private static void assertFrom(BlockingQueue<DatagramPacket> received, InetAddress from, int value)
            throws Exception {
        DatagramPacket p = received.poll(Fixtures.scaled(5), TimeUnit.SECONDS);
        assertNotNull(p, "datagram " + value + " never came");
        try {
            assertEquals(from, p.sender().getAddress());
            assertEquals(value, p.content().readInt());
        } finally {
            p.release();
        }
        assertNull(received.poll(300, TimeUnit.MILLISECONDS), "a datagram the filter should have dropped");
    }

    @Test
    void optionsReachTheSocket() throws Exception {
        GetBufDatagramChannel ch = (GetBufDatagramChannel) new Bootstrap().group(group)
                .channel(GetBufDatagramChannel.class)
                .option(ChannelOption.SO_BROADCAST, true)
                .option(ChannelOption.IP_MULTICAST_TTL, 7)
                .option(ChannelOption.IP_MULTICAST_LOOP_DISABLED, true)
                .option(ChannelOption.IP_TOS, 0x10)
                .option(io.netty.channel.unix.UnixChannelOption.SO_REUSEPORT, true)
                .handler(new ChannelInboundHandlerAdapter()).bind(LOOPBACK).sync().channel();
        try {
            GetBufDatagramChannelConfig c = ch.config();
            assertTrue(c.isBroadcast());
            assertEquals(7, c.getTimeToLive());
            assertTrue(c.isLoopbackModeDisabled());
            assertEquals(0x10, c.getTrafficClass());
            assertTrue(c.isReusePort());
            c.setLoopbackModeDisabled(false);
            assertFalse(c.getOption(ChannelOption.IP_MULTICAST_LOOP_DISABLED));
            // any option a user names by level and number: SO_PRIORITY (SOL_SOCKET 1, 12), and IP_TTL (SOL_IP 0, 2)
            // as raw bytes
            io.netty.channel.unix.IntegerUnixChannelOption priority =
                    new io.netty.channel.unix.IntegerUnixChannelOption("SO_PRIORITY", 1, 12);
            assertTrue(c.setOption(priority, 5));
            assertEquals(5, c.getOption(priority));
            io.netty.channel.unix.RawUnixChannelOption ttl =
                    new io.netty.channel.unix.RawUnixChannelOption("IP_TTL", 0, 2, 4);
            java.nio.ByteBuffer value = java.nio.ByteBuffer.allocateDirect(4).order(java.nio.ByteOrder.nativeOrder());
            value.putInt(0, 42);
            assertTrue(c.setOption(ttl, value));
            assertEquals(42, c.getOption(ttl).order(java.nio.ByteOrder.nativeOrder()).getInt(0));
            if (!GetBufDatagramChannel.isUdpGroSupported()) {
                assertThrows(io.netty.channel.ChannelException.class, () -> c.setUdpGro(true));
            }
        } finally {
            ch.close().sync();
        }
    }
}
