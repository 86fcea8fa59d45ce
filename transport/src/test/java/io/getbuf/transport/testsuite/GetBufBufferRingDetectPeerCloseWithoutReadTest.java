package io.getbuf.transport.testsuite;

import io.getbuf.transport.GetBufChannelOption;
import io.getbuf.transport.GetBufIoHandler;
import io.getbuf.transport.GetBufServerSocketChannel;
import io.getbuf.transport.GetBufSocketChannel;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.unix.tests.DetectPeerCloseWithoutReadTest;

/**
 * {@link GetBufDetectPeerCloseWithoutReadTest} with reads through the event loop's provided buffer ring (the test's
 * bootstraps are built inside Netty's class, so the ring is configured on the handler and
 * {@link GetBufChannelOption#USE_BUFFER_RING} keeps its default, true).
 */
@GetBufTest(warmUp = false, bufferRing = true)
public class GetBufBufferRingDetectPeerCloseWithoutReadTest extends DetectPeerCloseWithoutReadTest {
    @Override
    protected EventLoopGroup newGroup() {
        return new MultiThreadIoEventLoopGroup(2, GetBufIoHandler.newFactory(
                GetBufSocketTestPermutation.bufferRingConfig()));
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
