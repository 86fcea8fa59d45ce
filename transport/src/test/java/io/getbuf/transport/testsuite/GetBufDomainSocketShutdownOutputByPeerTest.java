/*
 * Netty's AbstractSocketShutdownOutputByPeerTest, run on getbuf's Unix domain server sockets with a plain AF_UNIX
 * socket as the peer (as Netty's epoll module does).
 */
package io.getbuf.transport.testsuite;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.unix.Socket;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.AbstractSocketShutdownOutputByPeerTest;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

@GetBufTest
public class GetBufDomainSocketShutdownOutputByPeerTest extends AbstractSocketShutdownOutputByPeerTest<Socket> {

    @Override
    protected List<BootstrapFactory<ServerBootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.serverDomainSocket();
    }

    @Override
    protected SocketAddress newSocketAddress() {
        return GetBufSocketTestPermutation.newDomainSocketAddress();
    }

    @Override
    protected void shutdownOutput(Socket s) throws IOException {
        s.shutdown(false, true);
    }

    @Override
    protected void connect(Socket s, SocketAddress address) throws IOException {
        s.connect(address);
    }

    @Override
    protected void close(Socket s) throws IOException {
        s.close();
    }

    @Override
    protected void write(Socket s, int data) throws IOException {
        // native order, as Netty's epoll test writes it: the test reads the first byte
        ByteBuffer buf = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
        buf.putInt(data);
        buf.flip();
        s.send(buf, buf.position(), buf.limit());
    }

    @Override
    protected Socket newSocket() {
        return Socket.newSocketDomain();
    }
}
