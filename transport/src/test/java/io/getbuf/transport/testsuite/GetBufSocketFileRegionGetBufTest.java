/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.testsuite;

import io.getbuf.transport.GetBuf;
import io.getbuf.transport.GetBufFileSendStats;
import io.getbuf.transport.GetBufFileStrategy;
import io.getbuf.transport.GetBufIoHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketFileRegionTest;
import io.netty.util.concurrent.EventExecutor;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Netty's {@link SocketFileRegionTest} with every getbuf channel asking for {@link GetBufFileStrategy#GET_BUF}: on the
 * patched kernel (kernel/vm/java-tests) regions go out by GET_BUF, which the default-region tests check in the loops'
 * counters; on a stock kernel by the fallback, SENDFILE.
 */
@GetBufTest
public class GetBufSocketFileRegionGetBufTest extends SocketFileRegionTest {
    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return GetBufSocketTestPermutation.INSTANCE.socket(GetBufFileStrategy.GET_BUF);
    }

    @Override
    public void testFileRegion(ServerBootstrap sb, Bootstrap cb) throws Throwable {
        long before = getBufRegions(cb);
        super.testFileRegion(sb, cb);
        assertSentByGetBuf(cb, before);
    }

    @Override
    public void testFileRegionNotAutoRead(ServerBootstrap sb, Bootstrap cb) throws Throwable {
        long before = getBufRegions(cb);
        super.testFileRegionNotAutoRead(sb, cb);
        assertSentByGetBuf(cb, before);
    }

    /** Where the kernel has GET_BUF and the client (the writer) is a getbuf channel, its regions went by GET_BUF. */
    private static void assertSentByGetBuf(Bootstrap cb, long before) throws InterruptedException {
        if (GetBuf.isGetBufSupported() && getBufLoops(cb.config().group())) {
            // a region is counted on its loop when its last send's completion is handled, which may come after the
            // peer has read every byte (the test's end)
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            long after = getBufRegions(cb);
            while (after <= before && System.nanoTime() < deadline) {
                Thread.sleep(10);
                after = getBufRegions(cb);
            }
            StringBuilder all = new StringBuilder();
            for (EventExecutor e : cb.config().group()) {
                all.append(' ').append(GetBufIoHandler.fileSendStats((EventLoop) e));
            }
            assertTrue(after > before, "regions sent by GET_BUF: " + before + " before, " + after + " after;" + all);
        }
    }

    private static boolean getBufLoops(EventLoopGroup group) {
        return GetBufIoHandler.fileSendStats((EventLoop) group.next()) != null;
    }

    private static long getBufRegions(Bootstrap cb) {
        long n = 0;
        for (EventExecutor e : cb.config().group()) {
            GetBufFileSendStats stats = GetBufIoHandler.fileSendStats((EventLoop) e);
            if (stats != null) {
                n += stats.regions(GetBufFileStrategy.GET_BUF);
            }
        }
        return n;
    }
}
