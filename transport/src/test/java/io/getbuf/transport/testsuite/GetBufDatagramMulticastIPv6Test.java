/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.DatagramMulticastIPv6Test;
import io.netty.util.NetUtil;
import org.junit.jupiter.api.BeforeAll;

import java.util.List;

/**
 * Netty's {@link DatagramMulticastIPv6Test} against getbuf's datagram channel (getbuf and NIO, both ways), with a
 * multicast hop limit of 0 so that the test's datagrams stay on this host.
 */
@GetBufTest
public class GetBufDatagramMulticastIPv6Test extends DatagramMulticastIPv6Test {

    @BeforeAll
    static void requireLoopback() {
        GetBufAssumptions.assumeFeature(GetBufSocketTestPermutation.canBind(NetUtil.LOCALHOST6),
                () -> "no usable IPv6 loopback");
    }

    @Override
    protected List<BootstrapComboFactory<Bootstrap, Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.datagramHostLocalMulticast(socketProtocolFamily());
    }
}
