/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.DatagramConnectedWriteExceptionTest;

import java.util.List;

/**
 * Netty's {@link DatagramConnectedWriteExceptionTest} (in netty-testsuite 4.2.17, newer than Netty's io_uring module's
 * list) against getbuf's datagram channel and NIO's: once the peer is gone, a connected channel's writes report it.
 */
@GetBufTest
public class GetBufDatagramConnectedWriteExceptionTest extends DatagramConnectedWriteExceptionTest {
    @Override
    protected List<BootstrapFactory<Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.datagramSocket();
    }
}
