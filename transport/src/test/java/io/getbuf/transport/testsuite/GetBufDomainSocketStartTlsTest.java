/*
 * Netty's SocketStartTlsTest, run on getbuf's Unix domain sockets.
 */
package io.getbuf.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketStartTlsTest;

import java.net.SocketAddress;
import java.util.List;

@GetBufTest
public class GetBufDomainSocketStartTlsTest extends SocketStartTlsTest {

    @Override
    protected SocketAddress newSocketAddress() {
        return GetBufSocketTestPermutation.newDomainSocketAddress();
    }

    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.domainSocket();
    }
}
