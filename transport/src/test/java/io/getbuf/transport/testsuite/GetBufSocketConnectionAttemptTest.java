package io.getbuf.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.SocketConnectionAttemptTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.net.InetSocketAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Netty's {@link SocketConnectionAttemptTest} on {@link GetBufSocketTestPermutation#clientSocket}:
 * a getbuf client and a NIO client. Its "bad host" is the {@link Blackhole} on 127.0.0.1 (set by
 * {@link BlackholeSessionListener}), so {@code testConnectTimeout} and {@code testConnectCancellation} run against
 * a connect that really hangs.
 */
@GetBufTest
public class GetBufSocketConnectionAttemptTest extends SocketConnectionAttemptTest {

    /**
     * Netty's version skips itself when its bad host answers; here the bad host is ours, so an answer means the
     * black hole broke: fail instead of skipping.
     */
    @Test
    @Override
    public void testConnectCancellation(TestInfo testInfo) throws Throwable {
        assertBlackholed();
        super.testConnectCancellation(testInfo);
    }

    static void assertBlackholed() {
        InetSocketAddress bad = new InetSocketAddress(System.getProperty("io.netty.testsuite.badHost"),
                Integer.getInteger("io.netty.testsuite.badPort"));
        assertFalse(Blackhole.answers(bad), "connects to the bad host " + bad + " are answered: "
                + "the black-holed listener does not drop SYNs any more");
    }

    @Override
    protected List<BootstrapFactory<Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.clientSocket();
    }
}
