/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.testsuite;

import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.DatagramMulticastIPv6Test;
import io.netty.util.NetUtil;
import org.junit.jupiter.api.BeforeAll;

import java.util.List;

/**
 * Netty's {@link DatagramMulticastIPv6Test} against getbuf's datagram channel (getbuf and NIO, both ways), in the
 * network namespace {@link MulticastInNetnsTest} makes.
 */
@GetBufTest
@EnabledIfSystemProperty(named = MulticastInNetnsTest.PROPERTY, matches = "true",
        disabledReason = "runs in MulticastInNetnsTest's network namespace, where a veth interface takes multicast")
public class GetBufDatagramMulticastIPv6Test extends DatagramMulticastIPv6Test {

    @BeforeAll
    static void requireLoopback() {
        GetBufAssumptions.assumeFeature(GetBufSocketTestPermutation.canBind(NetUtil.LOCALHOST6),
                () -> "no usable IPv6 loopback");
    }

    @Override
    protected List<BootstrapComboFactory<Bootstrap, Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.datagram(socketProtocolFamily());
    }
}
