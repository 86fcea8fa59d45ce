package io.getbuf.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.SocketConnectionAttemptTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.util.List;

/**
 * Netty's {@link SocketConnectionAttemptTest} on {@link GetBufSocketTestPermutation#clientSocket(boolean)}: a getbuf
 * client reading through the handler's provided buffer ring, and a NIO client; the bad host is the
 * {@link Blackhole}.
 */
@GetBufTest(bufferRing = true)
public class GetBufBufferRingSocketConnectionAttemptTest extends SocketConnectionAttemptTest {

    @Test
    @Override
    public void testConnectCancellation(TestInfo testInfo) throws Throwable {
        GetBufSocketConnectionAttemptTest.assertBlackholed();
        super.testConnectCancellation(testInfo);
    }

    @Override
    protected List<BootstrapFactory<Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.clientSocket(true);
    }
}
