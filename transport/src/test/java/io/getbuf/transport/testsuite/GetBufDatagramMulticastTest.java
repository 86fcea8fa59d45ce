/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.testsuite;

import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.DatagramMulticastTest;

import java.util.List;

/**
 * Netty's {@link DatagramMulticastTest} against getbuf's datagram channel (getbuf and NIO, both ways), in the
 * network namespace {@link MulticastInNetnsTest} makes.
 */
@GetBufTest
@EnabledIfSystemProperty(named = MulticastInNetnsTest.PROPERTY, matches = "true",
        disabledReason = "runs in MulticastInNetnsTest's network namespace, where a veth interface takes multicast")
public class GetBufDatagramMulticastTest extends DatagramMulticastTest {

    @Override
    protected List<BootstrapComboFactory<Bootstrap, Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.datagram(socketProtocolFamily());
    }
}
