package io.getbuf.transport.testsuite;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.SocketShutdownOutputByPeerTest;

import java.util.List;

/**
 * Netty's {@link SocketShutdownOutputByPeerTest} on {@link GetBufSocketTestPermutation#serverSocket}:
 * a getbuf server and a NIO server;
 * every getbuf channel that receives data does so through the handler's provided buffer ring
 * ({@code USE_BUFFER_RING}).
 */
@GetBufTest(bufferRing = true)
public class GetBufBufferRingSocketShutdownOutputByPeerTest extends SocketShutdownOutputByPeerTest {

    @Override
    protected List<BootstrapFactory<ServerBootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.serverSocket(true);
    }
}
