/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.DatagramConnectNotExistsTest;

import java.util.List;

/**
 * Netty's {@link DatagramConnectNotExistsTest} against getbuf's datagram channel (and NIO's): a connected channel
 * that sends to a port nobody listens on hears of it as a {@link java.net.PortUnreachableException}. (Netty's
 * io_uring module runs it on NIO alone; here it runs on getbuf too.)
 */
@GetBufTest
public class GetBufDatagramConnectNotExistsTest extends DatagramConnectNotExistsTest {
    @Override
    protected List<BootstrapFactory<Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.datagramSocket();
    }
}
