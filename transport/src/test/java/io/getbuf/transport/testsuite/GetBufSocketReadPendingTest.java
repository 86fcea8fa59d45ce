package io.getbuf.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketReadPendingTest;

import java.util.List;

/**
 * Netty's {@link SocketReadPendingTest} on {@link GetBufSocketTestPermutation#socket}:
 * getbuf and NIO servers x getbuf and NIO clients, without NIO x NIO.
 */
@GetBufTest
public class GetBufSocketReadPendingTest extends SocketReadPendingTest {

    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.socket();
    }
}
