/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.channel.unix.RawUnixChannelOption;
import io.netty.channel.unix.UnixChannelOption;
import io.getbuf.transport.testsuite.GetBufTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every option a user sets comes back from the socket (not from a cached field). */
@GetBufTest(warmUp = false)
class ChannelOptionsTest {
    @BeforeAll
    static void requireIoUring() {
        GetBufAssumptions.assumeAvailable();
    }

    private static <T> void roundTrip(io.netty.channel.ChannelConfig config, ChannelOption<T> option, T value) {
        assertTrue(config.setOption(option, value), option + " accepted");
        assertEquals(value, config.getOption(option), option + " read back");
    }

    @Test
    void socketChannelOptions() throws Exception {
        GetBufSocketChannel ch = new GetBufSocketChannel();
        try {
            GetBufSocketChannelConfig c = ch.config();
            assertTrue(c.isTcpNoDelay(), "TCP_NODELAY defaults to true");
            for (boolean b : new boolean[] {true, false}) {
                roundTrip(c, ChannelOption.TCP_NODELAY, b);
                roundTrip(c, ChannelOption.SO_KEEPALIVE, b);
                roundTrip(c, ChannelOption.SO_REUSEADDR, b);
                roundTrip(c, UnixChannelOption.SO_REUSEPORT, b);
                roundTrip(c, GetBufChannelOption.TCP_CORK, b);
                roundTrip(c, ChannelOption.ALLOW_HALF_CLOSURE, b);
                roundTrip(c, GetBufChannelOption.USE_BUFFER_RING, b);
                roundTrip(c, ChannelOption.TCP_FASTOPEN_CONNECT, b);
            }
            roundTrip(c, GetBufChannelOption.TCP_QUICKACK, true);
            roundTrip(c, ChannelOption.SO_LINGER, 7);
            roundTrip(c, ChannelOption.IP_TOS, 0x10);
            // the kernel doubles buffer sizes (bookkeeping overhead): check it took the request
            c.setOption(ChannelOption.SO_SNDBUF, 64 * 1024);
            assertTrue(c.getOption(ChannelOption.SO_SNDBUF) >= 64 * 1024);
            c.setOption(ChannelOption.SO_RCVBUF, 32 * 1024);
            assertTrue(c.getOption(ChannelOption.SO_RCVBUF) >= 32 * 1024);
            roundTrip(c, ChannelOption.CONNECT_TIMEOUT_MILLIS, 1234);
            roundTrip(c, ChannelOption.AUTO_READ, false);
            WriteBufferWaterMark mark = new WriteBufferWaterMark(1024, 4096);
            roundTrip(c, ChannelOption.WRITE_BUFFER_WATER_MARK, mark);
            c.setOption(ChannelOption.ALLOCATOR, UnpooledByteBufAllocator.DEFAULT);
            assertSame(UnpooledByteBufAllocator.DEFAULT, c.getAllocator());
            AdaptiveRecvByteBufAllocator rcv = new AdaptiveRecvByteBufAllocator();
            c.setOption(ChannelOption.RCVBUF_ALLOCATOR, rcv);
            assertSame(rcv, c.getRecvByteBufAllocator());
            assertTrue(c.getOptions().containsKey(GetBufChannelOption.TCP_CORK));
        } finally {
            ch.unsafe().closeForcibly();
        }
    }

    @Test
    void serverChannelOptions() throws Exception {
        GetBufServerSocketChannel ch = new GetBufServerSocketChannel();
        try {
            GetBufServerSocketChannelConfig c = ch.config();
            assertTrue(c.isReuseAddress(), "servers reuse addresses by default");
            roundTrip(c, ChannelOption.SO_REUSEADDR, false);
            roundTrip(c, UnixChannelOption.SO_REUSEPORT, true);
            roundTrip(c, ChannelOption.SO_BACKLOG, 17);
            roundTrip(c, ChannelOption.TCP_FASTOPEN, 5);
            c.setOption(ChannelOption.SO_RCVBUF, 32 * 1024);
            assertTrue(c.getOption(ChannelOption.SO_RCVBUF) >= 32 * 1024);
            assertFalse(c.getOptions().isEmpty());
        } finally {
            ch.unsafe().closeForcibly();
        }
    }

    @Test
    void linuxTcpOptionsReachTheSocket() throws Exception {
        GetBufSocketChannel ch = new GetBufSocketChannel();
        try {
            GetBufSocketChannelConfig c = ch.config();
            roundTrip(c, GetBufChannelOption.TCP_KEEPIDLE, 61);
            roundTrip(c, GetBufChannelOption.TCP_KEEPINTVL, 7);
            roundTrip(c, GetBufChannelOption.TCP_KEEPCNT, 4);
            roundTrip(c, GetBufChannelOption.TCP_USER_TIMEOUT, 12345);
            roundTrip(c, GetBufChannelOption.TCP_NOTSENT_LOWAT, 16384);
            roundTrip(c, GetBufChannelOption.SO_BUSY_POLL, 50);
            for (boolean b : new boolean[] {true, false}) {
                roundTrip(c, GetBufChannelOption.IP_FREEBIND, b);
                roundTrip(c, GetBufChannelOption.IP_BIND_ADDRESS_NO_PORT, b);
            }
            if (GetBufAssumptions.isRoot()) { // CAP_NET_ADMIN
                roundTrip(c, GetBufChannelOption.IP_TRANSPARENT, true);
            }
            // the kernel's refusal reaches the caller: it is not a value dropped with a warning
            assertThrows(io.netty.channel.ChannelException.class,
                    () -> c.setOption(GetBufChannelOption.TCP_KEEPIDLE, 0));
            java.util.Map<ChannelOption<?>, Object> all = c.getOptions();
            assertEquals(61, all.get(GetBufChannelOption.TCP_KEEPIDLE));
            assertEquals(12345, all.get(GetBufChannelOption.TCP_USER_TIMEOUT));
        } finally {
            ch.unsafe().closeForcibly();
        }
    }

    @Test
    void anyIntOrRawOptionByLevelAndName() throws Exception {
        GetBufSocketChannel ch = new GetBufSocketChannel();
        GetBufServerSocketChannel server = new GetBufServerSocketChannel();
        try {
            // SO_PRIORITY (SOL_SOCKET, 12), named by the user
            IntegerUnixChannelOption priority = new IntegerUnixChannelOption("SO_PRIORITY", 1, 12);
            roundTrip(ch.config(), priority, 5);
            roundTrip(server.config(), priority, 3);
            // TCP_CONGESTION (IPPROTO_TCP, 13) as bytes: reno is always built in
            RawUnixChannelOption congestion = new RawUnixChannelOption("TCP_CONGESTION", 6, 13, 16);
            java.nio.ByteBuffer reno = java.nio.ByteBuffer.allocateDirect(16);
            reno.put("reno".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).position(16).flip();
            assertTrue(ch.config().setOption(congestion, reno));
            java.nio.ByteBuffer read = ch.config().getOption(congestion);
            byte[] name = new byte[4];
            read.get(name);
            assertEquals("reno", new String(name, java.nio.charset.StandardCharsets.US_ASCII));
            // an option the kernel does not know is an error, not silence
            assertThrows(io.netty.channel.ChannelException.class,
                    () -> ch.config().setOption(new IntegerUnixChannelOption("BOGUS", 6, 9999), 1));
        } finally {
            ch.unsafe().closeForcibly();
            server.unsafe().closeForcibly();
        }
    }

    @Test
    void listenerOptionsAndTheirChildren() throws Exception {
        GetBufServerSocketChannel ch = new GetBufServerSocketChannel();
        try {
            GetBufServerSocketChannelConfig c = ch.config();
            // the kernel keeps TCP_DEFER_ACCEPT as a count of SYN-ACK retransmissions: at least what was asked
            assertTrue(c.setOption(GetBufChannelOption.TCP_DEFER_ACCEPT, 5));
            assertTrue(c.getOption(GetBufChannelOption.TCP_DEFER_ACCEPT) >= 5);
            roundTrip(c, GetBufChannelOption.TCP_KEEPIDLE, 33);
            roundTrip(c, GetBufChannelOption.IP_FREEBIND, true);
            assertTrue(c.getOptions().containsKey(GetBufChannelOption.TCP_DEFER_ACCEPT));
            assertFalse(c.setOption(GetBufChannelOption.IP_BIND_ADDRESS_NO_PORT, true), "a client's option");
        } finally {
            ch.unsafe().closeForcibly();
        }
    }

    @Test
    void childOptionsReachAcceptedConnections() throws Exception {
        io.netty.channel.EventLoopGroup group = Fixtures.getbuf(1, new GetBufIoHandlerConfig());
        try {
            java.util.concurrent.CompletableFuture<io.netty.channel.Channel> accepted =
                    new java.util.concurrent.CompletableFuture<>();
            io.netty.channel.Channel server = new io.netty.bootstrap.ServerBootstrap().group(group)
                    .channel(GetBufServerSocketChannel.class)
                    .childOption(GetBufChannelOption.TCP_USER_TIMEOUT, 4321)
                    .childOption(GetBufChannelOption.TCP_KEEPCNT, 3)
                    .childHandler(new io.netty.channel.ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(io.netty.channel.ChannelHandlerContext ctx) {
                            accepted.complete(ctx.channel());
                        }
                    }).bind(new java.net.InetSocketAddress("127.0.0.1", 0)).sync().channel();
            try (java.net.Socket client = new java.net.Socket()) {
                client.connect(server.localAddress());
                io.netty.channel.Channel child = accepted.get(10, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals(4321, child.config().getOption(GetBufChannelOption.TCP_USER_TIMEOUT));
                assertEquals(3, child.config().getOption(GetBufChannelOption.TCP_KEEPCNT));
            } finally {
                server.close().sync();
            }
        } finally {
            Fixtures.shutdown(group);
        }
    }
}
