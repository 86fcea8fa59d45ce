package io.getbuf.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketAutoReadTest;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.util.List;

/**
 * Netty's {@link SocketAutoReadTest} on {@link GetBufSocketTestPermutation#socket}:
 * getbuf and NIO servers x getbuf and NIO clients, without NIO x NIO;
 * every getbuf channel that receives data does so through the handler's provided buffer ring
 * ({@code USE_BUFFER_RING}).
 */
@GetBufTest(bufferRing = true)
public class GetBufBufferRingSocketAutoReadTest extends SocketAutoReadTest {

    // Disabled for the buffer ring only: the test relies on its RecvByteBufAllocator (guess() == 1) to split 3 bytes
    // into 3 separate reads within one read loop, and counts the reads. With AUTO_READ on, getbuf receives through
    // a multishot IORING_OP_RECV with IOSQE_BUFFER_SELECT, and the kernel rejects a length limit on a multishot recv
    // (io_uring/net.c, io_recvmsg_prep: "req->opcode == IORING_OP_RECV && sr->len" -> -EINVAL), so the 3 bytes
    // land in one ring buffer as one read and the count cannot match. Netty's io_uring module does not run this
    // test with buffer rings either. The plain GetBufSocketAutoReadTest runs it. Re-enable if getbuf falls back to
    // single-shot recvs (which honour guess()) when the allocator's guess is below the ring's buffer size.
    @Disabled("with AUTO_READ a buffer-ring receive is a multishot recv, which cannot be limited to the "
            + "allocator's guess() (the kernel rejects len != 0), so 3 bytes arrive as one read, not 3")
    @Test
    @Override
    public void testAutoReadOffDuringReadOnlyReadsOneTime(TestInfo testInfo) {
    }

    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.socket(true);
    }
}
