/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A loop's registered-buffer table is reached first from users' threads ({@code allocateRegistered}) and from the
 * loop (a file read, a file transfer) at the same moment: there is one table per loop, and every buffer and read
 * uses it (a table created twice registers twice on one ring, and the second registration fails).
 */
@GetBufTest(warmUp = false)
@Timeout(120)
class FirstUseRaceTest {
    private static final int ROUNDS = 60;
    private static final int THREADS = 4;

    @TempDir
    static Path dir;
    private static Path file;

    @BeforeAll
    static void setUp() throws Exception {
        GetBufAssumptions.assumeRegisteredBuffers();
        file = FileTransferTest.patternFile(dir, 8192);
    }

    @Test
    void oneTablePerLoopWhoeverComesFirst() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            EventLoopGroup group = Fixtures.getbuf(1, new GetBufIoHandlerConfig());
            try {
                EventLoop loop = group.next();
                CyclicBarrier start = new CyclicBarrier(THREADS + 1);
                List<Future<ByteBuf>> allocations = new ArrayList<>();
                List<Thread> threads = new ArrayList<>();
                for (int i = 0; i < THREADS; i++) {
                    Thread t = new Thread(() -> {
                        try {
                            start.await();
                            Future<ByteBuf> f = GetBufIoHandler.allocateRegistered(loop, 4096);
                            synchronized (allocations) {
                                allocations.add(f);
                            }
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    t.start();
                    threads.add(t);
                }
                // the loop reaches the table at the same time, for a file read
                loop.execute(() -> {
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                Future<ByteBuf> read = GetBufFiles.read(loop, file, 0, 4096);
                for (Thread t : threads) {
                    t.join(10_000);
                }
                assertTrue(read.await(10, TimeUnit.SECONDS) && read.isSuccess(), "round " + round + ": the read: "
                        + read.cause());
                GetBufIoHandler h = GetBufIoHandler.handlerOf(loop);
                RegisteredBufferTable table = loop.submit(() -> h.fileStrategies().table()).get();
                List<ByteBuf> bufs = new ArrayList<>();
                bufs.add(read.getNow());
                for (Future<ByteBuf> f : allocations) {
                    assertTrue(f.await(10, TimeUnit.SECONDS) && f.isSuccess(), "round " + round + ": an allocation: "
                            + f.cause());
                    bufs.add(f.getNow());
                }
                for (ByteBuf b : bufs) {
                    assertSame(table, SlotByteBuf.rootOf(b).table(), "round " + round + ": one table");
                    b.release();
                }
            } finally {
                Fixtures.shutdown(group);
            }
        }
    }
}
