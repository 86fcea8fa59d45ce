/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.unix.UnixChannelOption;
import io.getbuf.transport.testsuite.GetBufTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
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
}
