package io.getbuf.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketFileRegionTest;

import java.util.List;

/**
 * Netty's {@link SocketFileRegionTest} on {@link GetBufSocketTestPermutation#socket}:
 * getbuf and NIO servers x getbuf and NIO clients, without NIO x NIO;
 * every getbuf channel that receives data does so through the handler's provided buffer ring
 * ({@code USE_BUFFER_RING}).
 */
@GetBufTest(bufferRing = true)
public class GetBufBufferRingSocketFileRegionTest extends SocketFileRegionTest {

    // supportsCustomFileRegion() stays true (Netty's io_uring module returns false because its channels only
    // accept DefaultFileRegion): a drop-in transport has to take any FileRegion, falling back to transferTo().

    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.socket(true);
    }
}
