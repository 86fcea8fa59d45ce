package io.getbuf.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketMultipleConnectTest;

import java.util.List;

/**
 * Netty's {@link SocketMultipleConnectTest} on {@link GetBufSocketTestPermutation#socket(boolean)}, every getbuf
 * channel that receives data reading through the handler's provided buffer ring. All permutations run, as in
 * {@link GetBufSocketMultipleConnectTest}.
 */
@GetBufTest(bufferRing = true)
public class GetBufBufferRingSocketMultipleConnectTest extends SocketMultipleConnectTest {

    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.socket(true);
    }
}
