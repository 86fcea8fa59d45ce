package io.getbuf.transport.testsuite;

import io.getbuf.transport.GetBufIoHandler;
import io.getbuf.transport.GetBufServerSocketChannel;
import io.getbuf.transport.GetBufSocketChannel;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.unix.tests.DetectPeerCloseWithoutReadTest;

/**
 * Netty's {@link DetectPeerCloseWithoutReadTest} (from netty-transport-native-unix-common-tests, as Netty's epoll and
 * io_uring modules run it): with AUTO_READ off and one small read per {@code read()}, the close of the peer must
 * still be seen, whether or not the handler asks for more.
 */
@GetBufTest(warmUp = false)
public class GetBufDetectPeerCloseWithoutReadTest extends DetectPeerCloseWithoutReadTest {
    @Override
    protected EventLoopGroup newGroup() {
        return new MultiThreadIoEventLoopGroup(2, GetBufIoHandler.newFactory());
    }

    @Override
    protected Class<? extends ServerChannel> serverChannel() {
        return GetBufServerSocketChannel.class;
    }

    @Override
    protected Class<? extends Channel> clientChannel() {
        return GetBufSocketChannel.class;
    }
}
