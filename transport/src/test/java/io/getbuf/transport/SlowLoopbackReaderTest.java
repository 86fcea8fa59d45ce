/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.Fixtures.Pace;
import io.getbuf.transport.Fixtures.Reader;
import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.channel.Channel;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A slow reader on the same host, with a small receive buffer, gets a READ_FIXED_ZC file at the pace it reads. The
 * file chunks those transfers send from (SEND_ZC of a fixed buffer) once sat in transparent huge pages where the
 * kernel makes anonymous memory huge by itself (THP "always", as the VM's kernel does): every skb was then charged
 * its chunk's offset into the 2 MiB page, the receiver's TCP clamped its window to a few hundred bytes for good,
 * and the connection crawled on zero-window probes (a few KiB a second, or nothing for two minutes). Where
 * anonymous memory is not made huge unasked (THP "madvise", "never") this passes either way.
 */
@GetBufTest(warmUp = false)
@Timeout(300)
class SlowLoopbackReaderTest {
    private static final long SIZE = 2L << 20;

    @TempDir
    static Path dir;

    @Test
    void aSlowReaderGetsAZeroCopyFileAtItsOwnPace() throws Exception {
        GetBufAssumptions.assumeAvailable();
        assumeTrue(GetBuf.isRegisteredBuffersSupported() && GetBuf.isSendZcSupported(),
                "READ_FIXED_ZC needs registered buffers and SEND_ZC");
        Path file = FileTransferTest.patternFile(dir, SIZE);
        // the default chunks: 16 x 256 KiB, one 4 MiB slab, which THP "always" backs with 2 MiB pages
        EventLoopGroup loops = Fixtures.getbuf(1, new GetBufIoHandlerConfig());
        EventLoopGroup clients = Fixtures.nio(1);
        try {
            List<Channel> children = new ArrayList<>();
            Channel server = Fixtures.server(loops, GetBufFileStrategy.READ_FIXED_ZC, children, ctx -> {
                try {
                    FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
                    ctx.writeAndFlush(new DefaultFileRegion(fc, 0, SIZE)).addListener(f -> ctx.close());
                } catch (java.io.IOException e) {
                    ctx.fireExceptionCaught(e);
                }
            });
            try {
                // 16 KiB a read, a read a millisecond after the last one ended, a 64 KiB receive buffer
                Reader reader = Fixtures.connect(clients, server.localAddress(), SIZE, FileTransferTest::patternAt,
                        new Pace(16 * 1024, 1));
                long start = System.nanoTime();
                // at its own pace it takes a second here, some more under emulation; crawling, it would take hours
                Fixtures.awaitAll(List.of(reader), 20);
                System.out.println("SlowLoopbackReaderTest: " + SIZE + " bytes in "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
            } finally {
                server.close().sync();
            }
        } finally {
            Fixtures.shutdown(clients, loops);
        }
    }
}
