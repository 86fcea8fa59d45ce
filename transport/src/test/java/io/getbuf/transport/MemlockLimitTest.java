/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Under a real, small {@code RLIMIT_MEMLOCK} (what an unprivileged user has), the kernel registers only part of
 * what the loop asks for, or nothing: READ_FIXED must then send its regions by sendfile, byte-exact, and a
 * registered buffer that cannot be registered must fail its future with a clear error, never "Bad address" on the
 * wire. The limit needs a process without {@code CAP_IPC_LOCK} (root ignores it), so the transfer runs in a child JVM
 * started through {@code prlimit} and, as root, {@code setpriv} dropping that capability.
 */
@GetBufTest(warmUp = false)
@Timeout(120)
class MemlockLimitTest {
    private static final long SIZE = (3L << 20) + 77;
    private static final int MEMLOCK = 1 << 20; // a quarter of the 16 x 256 KiB READ_FIXED chunks

    @TempDir
    Path dir;

    @Test
    void readFixedFallsBackAndRegisteredBuffersFailClearly() throws Exception {
        GetBufAssumptions.assumeRegisteredBuffers();
        Path file = FileTransferTest.patternFile(dir, SIZE);
        List<String> cmd = new ArrayList<>(List.of("prlimit", "--memlock=" + MEMLOCK + ":" + MEMLOCK));
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.addAll(List.of("setpriv", "--inh-caps=-ipc_lock", "--bounding-set=-ipc_lock"));
        }
        cmd.addAll(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dio.netty.leakDetection.level=PARANOID",
                Child.class.getName(), file.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(Fixtures.scaled(90), TimeUnit.SECONDS), "the child finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("region exact, by SENDFILE after READ_FIXED fell back"), out);
        assertTrue(out.contains("registered buffer refused with an IOException"), out);
        assertTrue(out.contains("nothing lent"), out);
    }

    /** In the child: one READ_FIXED region to an NIO reader, then a registered buffer larger than the limit. */
    static final class Child {
        public static void main(String[] args) throws Exception {
            Path file = Paths.get(args[0]);
            EventLoopGroup loops = Fixtures.getbuf(1, new GetBufIoHandlerConfig());
            EventLoopGroup clients = Fixtures.nio(1);
            try {
                List<Channel> children = new ArrayList<>();
                List<ChannelFuture> writes = new ArrayList<>();
                Channel server = Fixtures.server(loops, GetBufFileStrategy.READ_FIXED, children, ctx -> {
                    try {
                        FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
                        ChannelFuture w = ctx.writeAndFlush(new DefaultFileRegion(fc, 0, SIZE));
                        synchronized (writes) {
                            writes.add(w);
                        }
                        w.addListener(f -> ctx.close());
                    } catch (IOException e) {
                        ctx.fireExceptionCaught(e);
                    }
                });
                try {
                    Fixtures.awaitAll(List.of(Fixtures.connect(clients, server.localAddress(), SIZE,
                            FileTransferTest::patternAt, Fixtures.Pace.FULL_SPEED)), 60);
                    Fixtures.assertSucceeded(writes);
                } finally {
                    server.close().sync();
                }
                GetBufFileSendStats stats = GetBufIoHandler.fileSendStats(loops.next());
                if (stats.bytes(GetBufFileStrategy.SENDFILE) != SIZE
                        || stats.bytes(GetBufFileStrategy.READ_FIXED) != 0) {
                    throw new AssertionError("not all by sendfile: " + stats);
                }
                System.out.println("region exact, by SENDFILE after READ_FIXED fell back: " + stats);
                Future<ByteBuf> registered = GetBufIoHandler.allocateRegistered(loops.next(), 4 * MEMLOCK);
                if (!registered.await(10, TimeUnit.SECONDS)) {
                    throw new AssertionError("the allocation neither failed nor succeeded");
                }
                if (registered.isSuccess()) {
                    registered.getNow().release();
                    throw new AssertionError("registered " + 4 * MEMLOCK + " bytes under a limit of " + MEMLOCK);
                }
                if (!(registered.cause() instanceof IOException)) {
                    throw new AssertionError("refused, but not with an IOException", registered.cause());
                }
                System.out.println("registered buffer refused with an IOException: " + registered.cause());
                Fixtures.assertNothingLent(loops);
                System.out.println("nothing lent");
            } finally {
                Fixtures.shutdown(loops, clients);
            }
        }
    }
}
