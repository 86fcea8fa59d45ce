package io.getbuf.transport.testsuite;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.SocketShutdownOutputByPeerTest;
import org.junit.jupiter.api.AfterEach;

import java.util.List;

/**
 * Netty's {@link SocketShutdownOutputByPeerTest} on {@link GetBufSocketTestPermutation#serverSocket}:
 * a getbuf server and a NIO server;
 * every getbuf channel that receives data does so through the handler's provided buffer ring
 * ({@code USE_BUFFER_RING}).
 */
@GetBufTest(bufferRing = true)
public class GetBufBufferRingSocketShutdownOutputByPeerTest extends SocketShutdownOutputByPeerTest {

    // testShutdownOutput() closes the server channel but never the half-closed child it accepted (it stays in
    // CLOSE_WAIT for the life of the JVM, with NIO too): track the children and close them after each test, so the
    // fd check sees only what getbuf itself leaks.
    private final AcceptedChannels accepted = new AcceptedChannels();

    @Override
    protected void configure(ServerBootstrap sb, ByteBufAllocator allocator) {
        super.configure(sb, allocator);
        sb.handler(accepted);
    }

    @AfterEach
    void closeAcceptedChildren() {
        accepted.closeAll();
    }

    @Override
    protected List<BootstrapFactory<ServerBootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.serverSocket(true);
    }
}
