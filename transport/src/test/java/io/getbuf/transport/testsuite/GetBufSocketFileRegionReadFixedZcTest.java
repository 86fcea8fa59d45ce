package io.getbuf.transport.testsuite;

import io.getbuf.transport.GetBufFileStrategy;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketFileRegionTest;

import java.util.List;

/**
 * Netty's {@link SocketFileRegionTest} with every getbuf channel sending DefaultFileRegions by
 * {@link GetBufFileStrategy#READ_FIXED_ZC} (custom regions take the transferTo path whatever the strategy).
 */
@GetBufTest
public class GetBufSocketFileRegionReadFixedZcTest extends SocketFileRegionTest {
    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.socket(GetBufFileStrategy.READ_FIXED_ZC);
    }
}
