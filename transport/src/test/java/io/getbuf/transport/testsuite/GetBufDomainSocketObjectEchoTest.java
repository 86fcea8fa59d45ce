/*
 * Netty's SocketObjectEchoTest, run on getbuf's Unix domain sockets (as Netty's epoll module runs it).
 */
package io.getbuf.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketObjectEchoTest;

import java.net.SocketAddress;
import java.util.List;

@GetBufTest
public class GetBufDomainSocketObjectEchoTest extends SocketObjectEchoTest {

    @Override
    protected SocketAddress newSocketAddress() {
        return GetBufSocketTestPermutation.newDomainSocketAddress();
    }

    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.domainSocket();
    }
}
