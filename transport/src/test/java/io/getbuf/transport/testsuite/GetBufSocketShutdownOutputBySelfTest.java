package io.getbuf.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.SocketShutdownOutputBySelfTest;

import java.util.List;

/**
 * Netty's {@link SocketShutdownOutputBySelfTest} on {@link GetBufSocketTestPermutation#clientSocket}:
 * a getbuf client and a NIO client.
 */
@GetBufTest
public class GetBufSocketShutdownOutputBySelfTest extends SocketShutdownOutputBySelfTest {

    @Override
    protected List<BootstrapFactory<Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.clientSocket();
    }
}
