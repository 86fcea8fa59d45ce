package io.getbuf.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketHalfClosedTest;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.util.List;

/**
 * Netty's {@link SocketHalfClosedTest} on {@link GetBufSocketTestPermutation#socket}:
 * getbuf and NIO servers x getbuf and NIO clients, without NIO x NIO.
 */
@GetBufTest
public class GetBufSocketHalfClosedTest extends SocketHalfClosedTest {

    // Disabled: the test deadlocks on any transport that submits I/O to io_uring from its event loop. Its
    // AutoCloseFalseLeader.channelActive() calls writeAndFlush() and then blocks the event loop thread on
    // followerCloseLatch until the peer has read those bytes and closed. getbuf (like Netty's io_uring transport,
    // which disables this test too) only queues the send as an SQE during flush; the SQE reaches the kernel when
    // the loop returns to io_uring_enter, which it cannot do while the handler blocks it, so the peer never gets
    // the bytes and the latch never opens (seen: the thread dump at the @Timeout shows the getbuf worker
    // parked in AutoCloseFalseLeader.channelActive). NIO and epoll write synchronously inside flush(), which is
    // what the test relies on. Re-enable if getbuf ever submits eagerly on flush.
    @Disabled("blocks the event loop right after writeAndFlush(); io_uring sends are submitted only when the loop "
            + "returns to io_uring_enter, so the peer never gets the data (Netty's io_uring module disables it too)")
    @Test
    @Override
    public void testAutoCloseFalseDoesShutdownOutput(TestInfo testInfo) {
    }

    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.socket();
    }
}
