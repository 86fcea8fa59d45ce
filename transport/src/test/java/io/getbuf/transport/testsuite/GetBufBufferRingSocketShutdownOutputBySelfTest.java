package io.getbuf.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.SocketShutdownOutputBySelfTest;

import java.util.List;

/**
 * Netty's {@link SocketShutdownOutputBySelfTest} on {@link GetBufSocketTestPermutation#clientSocket}:
 * a getbuf client and a NIO client;
 * every getbuf channel that receives data does so through the handler's provided buffer ring
 * ({@code USE_BUFFER_RING}).
 */
@GetBufTest(bufferRing = true)
public class GetBufBufferRingSocketShutdownOutputBySelfTest extends SocketShutdownOutputBySelfTest {

    @Override
    protected List<BootstrapFactory<Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.clientSocket(true);
    }
}
