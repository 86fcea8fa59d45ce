package io.getbuf.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketMultipleConnectTest;

import java.util.List;

/**
 * Netty's {@link SocketMultipleConnectTest} on {@link GetBufSocketTestPermutation#socketWithFastOpen}:
 * getbuf and NIO servers x getbuf and NIO clients, without NIO x NIO.
 */
@GetBufTest
public class GetBufSocketMultipleConnectTest extends SocketMultipleConnectTest {

    // SocketMultipleConnectTest#newFactories keeps only the permutations whose client is NIO (it does not trust
    // other transports to fail a second connect with AlreadyConnectedException); a getbuf client must, so run all,
    // with TCP Fast Open where the kernel offers it, as Netty's base class does.

    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.socketWithFastOpen();
    }
}
