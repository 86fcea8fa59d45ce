/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.Fixtures.Pace;
import io.getbuf.transport.Fixtures.Reader;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A channel closed in the middle of a file transfer, while other threads of the same process open sockets as fast as
 * they can (so a freed fd number is taken again at once): an operation of the closed channel that the kernel issues
 * after the close (one linked behind an operation still running) must never find its fd number pointing at one of
 * those sockets. The fd is closed only once every operation that names it has reported back; the "victim"
 * connections receive no byte.
 */
@GetBufTest(warmUp = false)
@Timeout(180)
class CloseMidTransferTest {
    private static final long SIZE = 16L << 20;
    private static final int ROUNDS = Integer.getInteger("getbuf.test.closeRounds", 100);

    @RegisterExtension
    static final FileTransferFixture FIXTURE = new FileTransferFixture(SIZE);

    @ParameterizedTest
    @MethodSource("strategies")
    void noByteOfAClosedChannelReachesAnotherSocket(GetBufFileStrategy strategy) throws Exception {
        EventLoopGroup loop = Fixtures.getbuf(1, new GetBufIoHandlerConfig());
        EventLoopGroup victimLoop = Fixtures.nio(1);
        AtomicLong victimBytes = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        try {
            Channel victims = new ServerBootstrap().group(victimLoop).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public boolean isSharable() {
                            return true;
                        }

                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            victimBytes.addAndGet(((ByteBuf) msg).readableBytes());
                            ((ByteBuf) msg).release();
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            Grabber grabber = new Grabber((InetSocketAddress) victims.localAddress(), stop);
            threads.add(start("victim-grabber", grabber));
            List<ChannelFuture> writes = new ArrayList<>();
            List<Channel> children = new ArrayList<>();
            Channel server = Fixtures.server(loop, strategy, children, ctx -> {
                ChannelFuture w = ctx.writeAndFlush(region());
                synchronized (writes) {
                    writes.add(w);
                }
                // closed by the loop in the middle of the transfer, at a time that varies from round to round; the
                // grabber then takes the closed fd number for a connection of its own as soon as it is free
                int fd = ((GetBufSocketChannel) ctx.channel()).fd().intValue();
                ctx.executor().schedule(() -> {
                    ctx.close();
                    grabber.grab(fd);
                }, ThreadLocalRandom.current().nextInt(200, 3000), TimeUnit.MICROSECONDS);
            });
            try {
                for (int round = 0; round < ROUNDS; round++) {
                    Reader r = Fixtures.connect(FIXTURE.clients(),
                            server.localAddress(), SIZE, FileTransferTest::patternAt,
                            Pace.FULL_SPEED);
                    r.done.handle((n, t) -> null).get(30, TimeUnit.SECONDS); // closed early: a short read is fine
                }
            } finally {
                server.close().sync();
            }
            stop.set(true);
            for (Thread t : threads) {
                t.join(5000);
            }
            Thread.sleep(200); // what the victims' peers sent last arrives
            victims.close().sync();
            Fixtures.assertNothingLent(loop);
        } finally {
            stop.set(true);
            Fixtures.shutdown(loop, victimLoop);
        }
        assertEquals(0, victimBytes.get(), "bytes that reached sockets the transport does not own");
    }

    static java.util.stream.Stream<GetBufFileStrategy> strategies() {
        return Fixtures.strategies(GetBufFileStrategy.GET_BUF, GetBufFileStrategy.SPLICE, GetBufFileStrategy.READ_FIXED,
                GetBufFileStrategy.COPY);
    }

    private static Thread start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * Takes a closed channel's fd number for a connection of its own the moment the number is free: it holds every
     * lower free number (with /dev/null) so that the kernel's lowest-free-number rule gives it that one, and connects
     * a socket there. Whatever the closed channel's operations still send then goes to that connection.
     */
    private static final class Grabber implements Runnable {
        private final InetSocketAddress victims;
        private final AtomicBoolean stop;
        private final java.util.concurrent.BlockingQueue<Integer> wanted =
                new java.util.concurrent.LinkedBlockingQueue<>();
        private final List<Socket> held = new ArrayList<>();
        volatile int grabbed;

        Grabber(InetSocketAddress victims, AtomicBoolean stop) {
            this.victims = victims;
            this.stop = stop;
        }

        void grab(int fd) {
            wanted.add(fd);
        }

        @Override
        public void run() {
            try {
                while (!stop.get()) {
                    Integer fd = wanted.poll(10, TimeUnit.MILLISECONDS);
                    if (fd != null) {
                        grab0(fd, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20));
                    }
                    if (held.size() > 16) {
                        for (Socket s : held) {
                            s.close();
                        }
                        held.clear();
                    }
                }
                for (Socket s : held) {
                    s.close();
                }
            } catch (InterruptedException | IOException e) {
                // done
            }
        }

        private void grab0(int fd, long deadline) throws IOException {
            List<FileChannel> below = new ArrayList<>();
            try {
                while (System.nanoTime() < deadline) {
                    FileChannel placeholder = FileChannel.open(java.nio.file.Paths.get("/dev/null"));
                    int n = io.getbuf.transport.internal.Native.fileChannelFd(placeholder);
                    if (n < fd) {
                        below.add(placeholder); // keep the lower numbers taken
                        continue;
                    }
                    placeholder.close();
                    if (n == fd) {
                        Socket s = new Socket(); // takes the number just freed
                        s.connect(victims, 1000);
                        held.add(s);
                        grabbed++;
                        return;
                    }
                    Thread.onSpinWait(); // not closed yet
                }
            } finally {
                for (FileChannel c : below) {
                    c.close();
                }
            }
        }
    }

    private static DefaultFileRegion region() {
        try {
            return new DefaultFileRegion(FileChannel.open(FIXTURE.file(), StandardOpenOption.READ), 0, SIZE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
