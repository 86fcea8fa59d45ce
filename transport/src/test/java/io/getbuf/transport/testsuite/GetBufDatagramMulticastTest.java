/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.DatagramMulticastTest;

import java.util.List;

/**
 * Netty's {@link DatagramMulticastTest} against getbuf's datagram channel (getbuf and NIO, both ways), with a
 * multicast TTL of 0 so that the test's datagrams stay on this host.
 */
@GetBufTest
public class GetBufDatagramMulticastTest extends DatagramMulticastTest {

    @Override
    protected List<BootstrapComboFactory<Bootstrap, Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.datagramHostLocalMulticast(socketProtocolFamily());
    }
}
