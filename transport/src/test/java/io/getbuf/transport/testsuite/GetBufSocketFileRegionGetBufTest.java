/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.testsuite;

import io.getbuf.transport.GetBufFileStrategy;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketFileRegionTest;

import java.util.List;

/**
 * Netty's {@link SocketFileRegionTest} with every getbuf channel asking for {@link GetBufFileStrategy#GET_BUF}: on the
 * patched kernel (kernel/vm/java-tests) regions go out by GET_BUF, on a stock kernel by the fallback, SENDFILE.
 */
@GetBufTest
public class GetBufSocketFileRegionGetBufTest extends SocketFileRegionTest {
    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.socket(GetBufFileStrategy.GET_BUF);
    }
}
