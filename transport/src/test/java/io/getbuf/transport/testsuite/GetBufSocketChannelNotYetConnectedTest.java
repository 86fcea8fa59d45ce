package io.getbuf.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.SocketChannelNotYetConnectedTest;

import java.util.List;

/**
 * Netty's {@link SocketChannelNotYetConnectedTest} on {@link GetBufSocketTestPermutation#clientSocket}:
 * a getbuf client and a NIO client.
 */
@GetBufTest
public class GetBufSocketChannelNotYetConnectedTest extends SocketChannelNotYetConnectedTest {

    @Override
    protected List<BootstrapFactory<Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.clientSocket();
    }
}
