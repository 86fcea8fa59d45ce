/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.FdSnapshot;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** A handler config the transport cannot run with is refused with a clear error, and costs no descriptor. */
@GetBufTest(warmUp = false)
class HandlerConfigTest {

    @Test
    void fewerSlotsThanFileChunksIsRefusedAndLeaksNothing() {
        EventLoopLifecycleTest.requireIoUring();
        GetBufIoHandlerConfig bad = new GetBufIoHandlerConfig().setRegisteredBuffers(4).setFileChunks(8, 4096);
        FdSnapshot before = FdSnapshot.take();
        RuntimeException refused = null;
        try {
            new MultiThreadIoEventLoopGroup(2, GetBufIoHandler.newFactory(bad)).shutdownGracefully();
        } catch (RuntimeException e) {
            refused = e;
        }
        assertEquals(Map.of(), FdSnapshot.take().newSince(before), "descriptors left open by a refused config");
        assertNotNull(refused, "a group with 4 slots for 8 file chunks was created");
        Throwable t = refused;
        while (t != null && !(t instanceof IllegalArgumentException)) {
            t = t.getCause();
        }
        if (t == null) {
            fail("no IllegalArgumentException in " + refused, refused);
        }
        assertTrue(t.getMessage().contains("4") && t.getMessage().contains("8"), t.getMessage());
    }

    /** SocketProtocolFamily.UNIX asked of a TCP or UDP channel: an error that names the channel to use, no socket. */
    @Test
    void theUnixFamilyIsRefusedByTheInternetChannels() {
        EventLoopLifecycleTest.requireIoUring();
        FdSnapshot before = FdSnapshot.take();
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new GetBufSocketChannel(io.netty.channel.socket.SocketProtocolFamily.UNIX).close());
        assertTrue(e.getMessage().contains("GetBufDomainSocketChannel"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new GetBufServerSocketChannel(io.netty.channel.socket.SocketProtocolFamily.UNIX).close());
        assertTrue(e.getMessage().contains("GetBufServerDomainSocketChannel"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new GetBufDatagramChannel(io.netty.channel.socket.SocketProtocolFamily.UNIX).close());
        assertEquals(Map.of(), FdSnapshot.take().newSince(before));
    }
    /** GET_BUF's chunk is 256 KiB unless set; setFileChunks sets it too, and what is set last wins. */
    @Test
    void theGetBufChunkSizeIsItsOwnUnlessFileChunksAreSet() {
        GetBufIoHandlerConfig config = new GetBufIoHandlerConfig();
        org.junit.jupiter.api.Assertions.assertEquals(256 << 10, config.getBufChunkSize());
        org.junit.jupiter.api.Assertions.assertEquals(256 << 10, config.fileChunkSize());
        config.setFileChunks(4, 64 << 10);
        org.junit.jupiter.api.Assertions.assertEquals(64 << 10, config.getBufChunkSize());
        config.setGetBufChunkSize(4 << 20);
        org.junit.jupiter.api.Assertions.assertEquals(4 << 20, config.getBufChunkSize());
        org.junit.jupiter.api.Assertions.assertEquals(64 << 10, config.fileChunkSize());
        for (int bad : new int[] {0, -1, GetBufFiles.MAX_LENGTH + 1}) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> config.setGetBufChunkSize(bad));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains(String.valueOf(bad)), e.getMessage());
        }
        org.junit.jupiter.api.Assertions.assertEquals(4 << 20, config.getBufChunkSize());
        // each handler takes a copy of the config: the copy keeps it (it did not, for the default too)
        org.junit.jupiter.api.Assertions.assertEquals(4 << 20, config.copy().getBufChunkSize());
        org.junit.jupiter.api.Assertions.assertEquals(256 << 10,
                new GetBufIoHandlerConfig().setGetBufChunkSize(256 << 10).copy().getBufChunkSize());
    }
}
