package io.getbuf.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketConnectTest;
import io.netty.util.NetUtil;
import org.junit.jupiter.api.BeforeAll;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;


/**
 * Netty's {@link SocketConnectTest} over IPv4-only sockets: every channel (getbuf and NIO) is opened with
 * {@link SocketProtocolFamily#INET} ({@link GetBufSocketTestPermutation#socket(SocketProtocolFamily)}) and the
 * server binds to {@link NetUtil#LOCALHOST4}. The plain classes use the default constructors and NetUtil.LOCALHOST.
 */
@GetBufTest
public class GetBufSocketConnectIPv4Test extends SocketConnectTest {

    @BeforeAll
    static void requireLoopback() {
        GetBufAssumptions.assumeFeature(GetBufSocketTestPermutation.canBind(NetUtil.LOCALHOST4), () -> "no usable IPv4 loopback");
    }

    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.socket(SocketProtocolFamily.INET);
    }

    @Override
    protected SocketAddress newSocketAddress() {
        return new InetSocketAddress(NetUtil.LOCALHOST4, 0);
    }
}
