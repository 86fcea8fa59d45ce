/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.DatagramUnicastInetTest;

import java.util.List;

/** Netty's {@link DatagramUnicastInetTest} against getbuf's datagram channel (getbuf and NIO, both ways). */
@GetBufTest
public class GetBufDatagramUnicastTest extends DatagramUnicastInetTest {

    @Override
    protected List<BootstrapComboFactory<Bootstrap, Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.datagram(socketProtocolFamily());
    }
}
