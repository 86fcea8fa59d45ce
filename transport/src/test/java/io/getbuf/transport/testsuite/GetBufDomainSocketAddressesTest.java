/*
 * Netty's SocketAddressesTest, run on getbuf's Unix domain sockets.
 */
package io.getbuf.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketAddressesTest;

import java.net.SocketAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

@GetBufTest
public class GetBufDomainSocketAddressesTest extends SocketAddressesTest {

    @Override
    protected SocketAddress newSocketAddress() {
        return GetBufSocketTestPermutation.newDomainSocketAddress();
    }

    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.domainSocket();
    }

    @Override
    protected void assertAddress(SocketAddress address) {
        // as Netty's io_uring module: an unbound client's name is "" (GetBufDomainSocketTest checks the names)
        assertInstanceOf(DomainSocketAddress.class, address);
        assertNotNull(((DomainSocketAddress) address).path());
    }
}
