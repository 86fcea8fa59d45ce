/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.FixedLengthFrameDecoder;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mixed traffic for a set time, with faults injected at random, every byte checked.
 *
 * <p>Three getbuf server loops in two groups (one group with a ring of 8 entries, a completion queue of 16, a
 * provided-buffer ring and small pools of chunks, slots and pipes; one with the defaults) serve sessions of NIO and
 * getbuf clients, many at once: raw echoes (through the buffer ring or not: the server writes back the very buffers it
 * read), and pipelined requests whose responses are file regions of every strategy, registered buffers,
 * {@link GetBufFiles} buffers and heap buffers, and moves of the serving channel to another loop. Clients half-close,
 * reset in the middle of a response, or read slowly. Every loop injects faults ({@link FaultInjector}) drawn from the
 * run's seed. Every response carries its sequence number and every byte of it is checked (file data against the
 * file, the rest against a stream named by the session's seed); a session may end early only by a reset it asked for
 * or by an injected fault that closes connections, never with a wrong byte. At the end every loop has its chunks,
 * slots, pipes and buffer-ring buffers back; the class's checks do descriptors and leaks.
 *
 * <p>{@code -Dgetbuf.test.randomSeconds=N} (default 60) sets the time; the seed is printed, and
 * {@code -Dgetbuf.test.seed=S} replays its choices (the sessions' interleaving depends on the machine).
 */
@GetBufTest(warmUp = false)
class RandomizedTrafficTest {
    private static final long SECONDS = Long.getLong("getbuf.test.randomSeconds", 60);
    private static final long FILE_SIZE = 8L << 20;
    private static final int CONCURRENT = 12;

    // requests: type, strategy, 2 spare bytes, sequence number, offset, length, the session's seed
    private static final int REQUEST = 28;
    private static final byte FILE = 1;
    private static final byte HEAP = 2;
    private static final byte REGISTERED = 3;
    private static final byte READ = 4; // GetBufFiles.read
    private static final byte MOVE = 5;
    // responses: sequence number, type, 3 spare bytes, body length
    private static final int HEADER = 16;
    private static final byte ECHO_MODE = 'E';
    private static final byte REQUEST_MODE = 'R';

    @TempDir
    static Path dir;

    @Test
    void mixedTrafficWithFaultsLosesAndCorruptsNothing() throws Exception {
        long seed = Long.getLong("getbuf.test.seed", System.nanoTime());
        System.out.println("RandomizedTrafficTest seed=" + seed + " (replay with -Dgetbuf.test.seed=" + seed + ")");
        GetBufAssumptions.assumeAvailable();
        Path file = FileTransferTest.patternFile(dir, FILE_SIZE);
        GetBufIoHandlerConfig small = new GetBufIoHandlerConfig().setRingSize(8).setCqSize(16)
                .setRegisteredBuffers(24).setFileChunks(4, 64 * 1024).setPipes(4, 64 * 1024);
        if (GetBuf.isBufferRingSupported()) {
            small.setBufferRing(new GetBufBufferRingConfig(64, 4096));
        }
        EventLoopGroup groupA = Fixtures.getbuf(2, small);
        EventLoopGroup groupB = Fixtures.getbuf(1, new GetBufIoHandlerConfig());
        EventLoopGroup nioClients = Fixtures.nio(2);
        EventLoopGroup getbufClients = Fixtures.getbuf(1, new GetBufIoHandlerConfig());
        List<EventLoop> serverLoops = new ArrayList<>();
        for (EventLoopGroup g : List.of(groupA, groupB)) {
            for (EventExecutor e : g) {
                serverLoops.add((EventLoop) e);
            }
        }
        SplittableRandom master = new SplittableRandom(seed);
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        Stats stats = new Stats();
        try {
            for (EventLoop loop : serverLoops) {
                FaultInjector f = faults(master.nextLong());
                GetBufIoHandler h = GetBufIoHandler.handlerOf(loop);
                loop.submit(() -> h.injectFaults(f)).get();
            }
            Server server = new Server(file, serverLoops, errors);
            Channel serverA = server.bind(groupA);
            Channel serverB = server.bind(groupB);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
            List<Session> running = new ArrayList<>();
            while (System.nanoTime() < deadline && errors.isEmpty()) {
                running.removeIf(x -> x.done.isDone());
                while (running.size() < CONCURRENT) {
                    SplittableRandom r = master.split();
                    SocketAddress to = r.nextBoolean() ? serverA.localAddress() : serverB.localAddress();
                    boolean getbuf = r.nextInt(4) == 0;
                    running.add(Session.start(r, getbuf ? getbufClients : nioClients, getbuf, to, stats, errors));
                }
                Thread.sleep(5);
            }
            // Sessions still running end when their bytes have come. A slow machine (the VM: emulated CPUs on a
            // loaded host) can take minutes for that while every byte still moves, so the bound is on progress:
            // a session hangs when nothing at all moved for 60 s (and the whole wait is bounded too).
            long lastProgress = System.nanoTime();
            long progress = stats.bytes.get();
            long waitEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(300, 5 * SECONDS));
            boolean reportedSlow = false;
            for (Session s : running) {
                for (;;) {
                    try {
                        s.done.get(5, TimeUnit.SECONDS);
                        break;
                    } catch (java.util.concurrent.TimeoutException notYet) {
                        long now = System.nanoTime();
                        long p = stats.bytes.get();
                        if (p != progress) {
                            progress = p;
                            lastProgress = now;
                        }
                        if (!reportedSlow && now - lastProgress > TimeUnit.SECONDS.toNanos(20)) {
                            reportedSlow = true; // what a stall looks like on the way (it may still end in time)
                            System.out.println("RandomizedTrafficTest: nothing moved for 20 s: " + s
                                    + "; server side: " + server.describe() + "\n  " + kernelMemory()
                                    + loopThreads());
                        }
                        if (now - lastProgress > TimeUnit.SECONDS.toNanos(60) || now - waitEnd > 0) {
                            errors.add("a session did not end and no byte came to any session for 60 s"
                                    + (now - waitEnd > 0 ? " (or the wait's bound passed)" : "") + ": " + s
                                    + "; server side: " + server.describe() + "\n  " + kernelMemory()
                                    + loopThreads());
                            break;
                        }
                    }
                }
            }
            serverA.close().sync();
            serverB.close().sync();
            stats.moves.set(server.moves.get());
            for (EventLoop loop : serverLoops) {
                GetBufIoHandler h = GetBufIoHandler.handlerOf(loop);
                stats.faults.addAndGet(loop.submit(() -> h.faults.injected()).get());
                loop.submit(() -> h.injectFaults(null)).get();
            }
            System.out.println("RandomizedTrafficTest seed=" + seed + ": " + stats);
            assertEquals(List.of(), new ArrayList<>(errors), "seed " + seed + ": " + stats);
            assertTrue(stats.complete.get() > 0 && stats.complete.get() >= 3 * stats.endedEarly.get(),
                    "seed " + seed + ": most sessions completed: " + stats);
            Fixtures.assertNothingLent(groupA);
            Fixtures.assertNothingLent(groupB);
            for (EventLoop loop : serverLoops) {
                BufferRing ring = GetBufIoHandler.handlerOf(loop).bufferRing();
                if (ring != null) {
                    assertTrue(TestSupport.await(() -> {
                        try {
                            return loop.submit(() -> ring.available() == ring.entries()).get();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }, 5), "seed " + seed + ": every buffer of the ring back");
                }
            }
        } finally {
            Fixtures.shutdown(nioClients, getbufClients, groupA, groupB);
        }
    }

    /** The faults a loop injects: rare enough that most sessions complete, often enough to hit every path. */
    private static FaultInjector faults(long seed) {
        FaultInjector f = new FaultInjector(seed);
        f.sqFull = 0.02;
        f.enterRefused = 0.01;
        f.cancelInChain = 0.02;
        f.bufferRingEmpty = 0.02;
        f.partialBufferUpdate = 0.002;
        f.acceptEmfile = 0.01;
        f.wakeFails = 0.002;
        return f;
    }

    /** What the run did. */
    static final class Stats {
        final AtomicLong complete = new AtomicLong();
        final AtomicLong endedEarly = new AtomicLong();
        final AtomicLong resets = new AtomicLong();
        final AtomicLong responses = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong moves = new AtomicLong();
        final AtomicLong faults = new AtomicLong();

        @Override
        public String toString() {
            return complete + " sessions complete, " + endedEarly + " ended early by a fault, " + resets
                    + " reset on purpose; " + responses + " responses, " + bytes + " bytes checked, " + moves
                    + " moves, " + faults + " faults injected";
        }
    }

    /**
     * The kernel's view of the TCP sockets with {@code port} at either end (/proc/net/tcp: state, bytes in the send
     * queue, bytes in the receive queue), for the report of a session that hangs.
     */
    static String tcpQueues(int port) {
        StringBuilder sb = new StringBuilder();
        String hex = String.format(":%04X", port);
        try {
            List<String> lines = new ArrayList<>(java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/net/tcp")));
            if (java.nio.file.Files.exists(java.nio.file.Path.of("/proc/net/tcp6"))) {
                lines.addAll(java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/net/tcp6")));
            }
            for (String line : lines) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 4 && (f[1].endsWith(hex) || f[2].endsWith(hex))) {
                    sb.append(" [").append(Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16)).append("->")
                            .append(Integer.parseInt(f[2].substring(f[2].indexOf(':') + 1), 16)).append(" st ")
                            .append(f[3]).append(" tx:rx ").append(Long.parseLong(f[4].split(":")[0], 16))
                            .append(':').append(Long.parseLong(f[4].split(":")[1], 16)).append(']');
                }
            }
        } catch (Exception e) {
            sb.append(' ').append(e);
        }
        try {
            // ss's view (windows, memory, truesize accounting) where ss is there
            Process p = new ProcessBuilder("ss", "-tmieOHn", "( sport = :" + port + " or dport = :" + port + " )")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (p.waitFor(5, TimeUnit.SECONDS)) {
                sb.append("\n    ss: ").append(out.trim().replace("\n", "\n    ss: "));
            }
        } catch (Exception e) {
            sb.append(" ss: ").append(e);
        }
        return sb.toString();
    }

    /** What the event loops' threads are doing (the report of a session that hangs). */
    static String loopThreads() {
        StringBuilder sb = new StringBuilder();
        for (java.util.Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            if (!e.getKey().getName().contains("EventLoop")) {
                continue;
            }
            sb.append("\n  thread ").append(e.getKey().getName()).append(' ').append(e.getKey().getState());
            StackTraceElement[] st = e.getValue();
            for (int i = 0; i < Math.min(st.length, 25); i++) {
                sb.append("\n      ").append(st[i]);
            }
        }
        return sb.toString();
    }

    /** The kernel's TCP memory: in use (/proc/net/sockstat) and its limits (tcp_mem, in pages). */
    static String kernelMemory() {
        StringBuilder sb = new StringBuilder();
        for (String f : List.of("/proc/net/sockstat", "/proc/sys/net/ipv4/tcp_mem", "/proc/sys/net/ipv4/tcp_rmem",
                "/proc/sys/net/ipv4/tcp_wmem", "/sys/kernel/mm/transparent_hugepage/enabled",
                "/sys/kernel/mm/transparent_hugepage/shmem_enabled")) {
            try {
                sb.append(f).append(": ").append(java.nio.file.Files.readString(java.nio.file.Path.of(f)).trim()
                        .replace('\n', ';')).append("\n  ");
            } catch (Exception e) {
                sb.append(f).append(": ").append(e).append("\n  ");
            }
        }
        return sb.toString();
    }

    /** The byte at {@code i} of the body of response {@code seq} of a session (heap and registered responses). */
    static byte bodyByte(long sessionSeed, int seq, long i) {
        return Fixtures.streamByte(sessionSeed ^ ((long) seq << 40), i);
    }

    // ---- server ----

    /** The server side: a child reads its first byte to know the session's mode. */
    private static final class Server {
        private final Path file;
        private final List<EventLoop> loops;
        private final ConcurrentLinkedQueue<String> errors;
        final AtomicLong moves = new AtomicLong();
        final java.util.Set<Channel> children = java.util.concurrent.ConcurrentHashMap.newKeySet();

        Server(Path file, List<EventLoop> loops, ConcurrentLinkedQueue<String> errors) {
            this.file = file;
            this.loops = loops;
            this.errors = errors;
        }

        /** The children still open, and what each has in flight. */
        String describe() {
            StringBuilder sb = new StringBuilder();
            for (Channel c : children) {
                try {
                    sb.append("\n  ").append(c).append(": ").append(c.eventLoop().submit(
                            () -> ((GetBufSocketChannel) c).stateForTests() + ", pipeline " + c.pipeline().names()
                                    + ", outbound " + (c.unsafe().outboundBuffer() == null ? "none (closed)"
                                    : c.unsafe().outboundBuffer().size()) + ", tcp"
                                    + tcpQueues(((InetSocketAddress) c.remoteAddress()).getPort())
                                    + (c.pipeline().get("requests") != null
                                    ? ", handled:" + ((Requests) c.pipeline().get("requests")).log : ""))
                            .get(5, TimeUnit.SECONDS));
                } catch (Exception e) {
                    sb.append("\n  ").append(c).append(": ").append(e);
                }
            }
            return sb.toString();
        }

        Channel bind(EventLoopGroup group) throws InterruptedException {
            return new ServerBootstrap().group(group).channel(GetBufServerSocketChannel.class)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public boolean isSharable() {
                            return true;
                        }

                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            children.add(ctx.channel());
                            ctx.channel().closeFuture().addListener(f -> children.remove(ctx.channel()));
                            // half the connections read through the buffer ring (where the loop has one)
                            ctx.channel().config().setOption(GetBufChannelOption.USE_BUFFER_RING,
                                    (ctx.channel().hashCode() & 1) == 0);
                            ctx.pipeline().addLast(new ModeSwitch(Server.this));
                            ctx.pipeline().remove(this);
                            ctx.fireChannelActive();
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        }
    }

    /** Reads the session's first byte: echo, or requests. */
    private static final class ModeSwitch extends ChannelInboundHandlerAdapter {
        private final Server server;

        ModeSwitch(Server server) {
            this.server = server;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            byte mode = buf.readByte();
            if (mode == ECHO_MODE) {
                ctx.pipeline().replace(this, "echo", new Echo());
            } else {
                ctx.pipeline().replace(this, "frames", new FixedLengthFrameDecoder(REQUEST));
                ctx.pipeline().addLast("requests", new Requests(server));
            }
            if (buf.isReadable()) {
                ctx.pipeline().fireChannelRead(buf);
            } else {
                buf.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Writes back every buffer it reads, as it is (a buffer-ring buffer goes back out of the ring). */
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> ctx.close());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Answers requests in order, one at a time (some answers are asynchronous: a buffer to allocate or read). */
    private static final class Requests extends ChannelInboundHandlerAdapter {
        private final Server server;
        private final ArrayDeque<ByteBuf> queued = new ArrayDeque<>();
        private boolean busy;
        private boolean inputDone;
        private ChannelHandlerContext ctx;
        final StringBuffer log = new StringBuffer(); // what was answered how (the report of a session that hangs)

        Requests(Server server) {
            this.server = server;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            queued.add((ByteBuf) msg);
            if (!busy) {
                next();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                inputDone = true;
                if (!busy) {
                    next();
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ByteBuf b;
            while ((b = queued.poll()) != null) {
                b.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        /** Answers the next request, if any; closes once the client is done and everything is answered. */
        private void next() {
            ByteBuf req = queued.poll();
            if (req == null) {
                busy = false;
                if (inputDone) {
                    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> ctx.close());
                }
                return;
            }
            busy = true;
            byte type = req.readByte();
            GetBufFileStrategy strategy = GetBufFileStrategy.values()[req.readByte()];
            req.skipBytes(2);
            int seq = req.readInt();
            long offset = req.readLong();
            int length = req.readInt();
            long sessionSeed = req.readLong();
            req.release();
            Channel ch = ctx.channel();
            log.append(" [req ").append(seq).append(" type ").append(type).append(' ').append(strategy)
                    .append(ch.isActive() ? "" : " inactive").append(']');
            if (!ch.isActive()) {
                return;
            }
            switch (type) {
                case FILE:
                    ch.config().setOption(GetBufChannelOption.FILE_STRATEGY, strategy);
                    respond(seq, type, length, new DefaultFileRegion(server.file.toFile(), offset, length));
                    break;
                case HEAP:
                    ByteBuf heap = Unpooled.buffer(length);
                    for (int i = 0; i < length; i++) {
                        heap.writeByte(bodyByte(sessionSeed, seq, i));
                    }
                    respond(seq, type, length, heap);
                    break;
                case REGISTERED:
                    GetBufIoHandler.allocateRegistered(ch.eventLoop(), length).addListener((Future<ByteBuf> f) -> {
                        if (!f.isSuccess()) {
                            ch.close(); // an injected fault: the session ends early
                            return;
                        }
                        ByteBuf b = f.getNow();
                        for (int i = 0; i < length; i++) {
                            b.writeByte(bodyByte(sessionSeed, seq, i));
                        }
                        respond(seq, type, length, b);
                    });
                    break;
                case READ:
                    try {
                        GetBufFiles.read(ch, server.file, offset, length).addListener((Future<ByteBuf> f) -> {
                            if (!f.isSuccess()) {
                                ch.close();
                                return;
                            }
                            respond(seq, type, length, f.getNow());
                        });
                    } catch (java.io.IOException e) {
                        ch.close();
                    }
                    break;
                case MOVE:
                    respond(seq, type, 0, null);
                    break;
                default:
                    server.errors.add("unknown request type " + type);
                    ch.close();
            }
        }

        /** Writes the response's header and body (a buffer or a region), then moves on; MOVE moves the channel. */
        private void respond(int seq, byte type, long length, Object body) {
            Channel ch = ctx.channel();
            ByteBuf header = ch.alloc().directBuffer(HEADER);
            header.writeInt(seq).writeByte(type).writeZero(3).writeLong(length);
            ch.write(header);
            ChannelFuture done = body == null ? ch.writeAndFlush(Unpooled.EMPTY_BUFFER) : ch.writeAndFlush(body);
            done.addListener(f -> log.append(" [sent ").append(seq).append(f.isSuccess() ? "" : " " + f.cause())
                    .append(']'));
            if (type == MOVE) {
                done.addListener(f -> move(ch));
            } else {
                // the next answer is written once this one is queued: in order, whatever thread completes it
                ch.eventLoop().execute(this::next);
            }
        }

        /** Moves the channel to another server loop, then answers the next request there. */
        private void move(Channel ch) {
            if (!ch.isActive()) {
                return;
            }
            List<EventLoop> loops = server.loops;
            EventLoop to = loops.get((loops.indexOf(ch.eventLoop()) + 1) % loops.size());
            ch.deregister().addListener(d -> {
                if (!d.isSuccess() || !ch.isOpen()) {
                    return;
                }
                to.register(ch).addListener(r -> {
                    log.append(" [moved to ").append(to).append(r.isSuccess() ? "" : " " + r.cause()).append(']');
                    if (r.isSuccess()) {
                        server.moves.incrementAndGet();
                        ch.eventLoop().execute(this::next);
                    } else {
                        ch.close();
                    }
                });
            });
        }
    }

    // ---- client ----

    /** One client connection: what it sends, and the check of everything it receives. */
    private static final class Session extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private final SplittableRandom r;
        private final Stats stats;
        private final ConcurrentLinkedQueue<String> errors;
        private final long sessionSeed;
        private final boolean echo;
        private final long echoBytes;
        private final List<long[]> requests = new ArrayList<>(); // type, offset, length, strategy
        private final long resetAfter; // bytes received after which the client resets (-1: never)
        private final boolean halfClose;
        private final byte[] scratch = new byte[16 * 1024];
        private long received;
        private volatile long lastRead; // System.nanoTime() of the last channelRead (the report of a session that hangs)
        private volatile long reads;
        private volatile Channel channel; // the client's, once active (for the report of a session that hangs)
        // response parsing
        private final ByteBuf header = Unpooled.buffer(HEADER);
        private int responseIndex;
        private long bodyAt;
        private long bodyLength = -1;

        private Session(SplittableRandom r, Stats stats, ConcurrentLinkedQueue<String> errors) {
            this.r = r;
            this.stats = stats;
            this.errors = errors;
            this.sessionSeed = r.nextLong();
            this.echo = r.nextInt(4) == 0;
            this.echoBytes = 1 + r.nextInt(1 << 20);
            this.halfClose = r.nextInt(3) == 0;
            this.resetAfter = r.nextInt(8) == 0 ? r.nextInt(1 << 20) : -1;
            int n = 1 + r.nextInt(16);
            GetBufFileStrategy[] strategies = GetBufFileStrategy.values();
            for (int i = 0; i < n; i++) {
                int kind = r.nextInt(20);
                byte type = kind < 9 ? FILE : kind < 12 ? HEAP : kind < 15 ? REGISTERED : kind < 18 ? READ : MOVE;
                if ((type == REGISTERED || type == READ) && !GetBuf.isRegisteredBuffersSupported()) {
                    type = HEAP; // (registered buffers and file reads need a registered-buffer table)
                }
                long length = type == MOVE ? 0 : 1 + r.nextInt(type == FILE ? 1 << 20 : 256 * 1024);
                long offset = r.nextLong(FILE_SIZE - length);
                requests.add(new long[] {type, offset, length, r.nextInt(strategies.length)});
            }
        }

        static Session start(SplittableRandom r, EventLoopGroup clients, boolean getbuf,
                                             SocketAddress server, Stats stats, ConcurrentLinkedQueue<String> errors) {
            Session s = new Session(r, stats, errors);
            Bootstrap b = new Bootstrap().group(clients)
                    .channel(getbuf ? GetBufSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .handler(s);
            if (r.nextInt(4) == 0) {
                // a slow reader: small reads, a pause between them
                b.option(ChannelOption.AUTO_READ, false).option(ChannelOption.SO_RCVBUF, 32 * 1024)
                        .attr(Session.SLOW, Boolean.TRUE);
            }
            b.connect(server).addListener((ChannelFuture f) -> {
                if (!f.isSuccess()) {
                    s.fail("connect: " + f.cause());
                }
            });
            return s;
        }

        static final io.netty.util.AttributeKey<Boolean> SLOW = io.netty.util.AttributeKey.valueOf("slow");

        private boolean slow(ChannelHandlerContext ctx) {
            return Boolean.TRUE.equals(ctx.channel().attr(SLOW).get());
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            channel = ch;
            if (echo) {
                ch.write(Unpooled.wrappedBuffer(new byte[] {ECHO_MODE}));
                for (long off = 0; off < echoBytes; ) {
                    int n = (int) Math.min(16 * 1024, echoBytes - off);
                    ByteBuf b = ch.alloc().buffer(n);
                    for (int i = 0; i < n; i++) {
                        b.writeByte(Fixtures.streamByte(sessionSeed, off + i));
                    }
                    ch.write(b);
                    off += n;
                }
            } else {
                ch.write(Unpooled.wrappedBuffer(new byte[] {REQUEST_MODE}));
                for (int seq = 0; seq < requests.size(); seq++) {
                    long[] q = requests.get(seq);
                    ByteBuf b = ch.alloc().buffer(REQUEST);
                    b.writeByte((int) q[0]).writeByte((int) q[3]).writeZero(2).writeInt(seq).writeLong(q[1])
                            .writeInt((int) q[2]).writeLong(sessionSeed);
                    ch.write(b);
                }
            }
            ChannelFuture flushed = ch.writeAndFlush(Unpooled.EMPTY_BUFFER);
            if (halfClose) {
                flushed.addListener(f -> {
                    if (ch.isActive()) {
                        ((io.netty.channel.socket.DuplexChannel) ch).shutdownOutput();
                    }
                });
            }
            if (slow(ctx)) {
                ctx.read();
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            lastRead = System.nanoTime();
            reads++;
            long before = received;
            try {
                while (buf.isReadable() && !done.isDone()) {
                    int n = Math.min(buf.readableBytes(), scratch.length);
                    buf.readBytes(scratch, 0, n);
                    for (int i = 0; i < n && !done.isDone(); i++) {
                        check(scratch[i]);
                    }
                }
            } finally {
                buf.release();
                // counted once per read, not per byte: three client threads contending on one counter for every
                // byte starved the clients' loops in the VM (a session's data sat unread in its socket for minutes)
                stats.bytes.addAndGet(received - before);
            }
            if (done.isDone()) {
                ctx.close();
                return;
            }
            if (resetAfter >= 0 && received >= resetAfter) {
                ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
                ctx.close();
                stats.resets.incrementAndGet();
                done.complete(null);
                return;
            }
            if (finished()) {
                stats.complete.incrementAndGet();
                done.complete(null);
                if (!halfClose) {
                    ctx.close();
                }
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (slow(ctx) && !done.isDone()) {
                ctx.executor().schedule(() -> {
                    ctx.read();
                }, 1, TimeUnit.MILLISECONDS);
            }
        }

        private boolean finished() {
            return echo ? received == echoBytes : responseIndex == requests.size();
        }

        private void check(byte b) {
            received++;
            if (echo) {
                long at = received - 1;
                if (at >= echoBytes) {
                    fail("echo: more than the " + echoBytes + " bytes sent came back");
                } else if (b != Fixtures.streamByte(sessionSeed, at)) {
                    fail("echo: byte " + at + " is " + b + ", expected " + Fixtures.streamByte(sessionSeed, at));
                }
                return;
            }
            if (responseIndex >= requests.size()) {
                fail("a byte after the last response");
                return;
            }
            if (bodyLength < 0) {
                header.writeByte(b);
                if (header.readableBytes() < HEADER) {
                    return;
                }
                int seq = header.readInt();
                byte type = header.readByte();
                header.skipBytes(3);
                long length = header.readLong();
                header.clear();
                long[] q = requests.get(responseIndex);
                if (seq != responseIndex || type != q[0] || length != q[2]) {
                    fail("response " + responseIndex + ": header says seq " + seq + ", type " + type + ", length "
                            + length + "; expected type " + q[0] + ", length " + q[2]);
                    return;
                }
                bodyLength = length;
                bodyAt = 0;
                if (length == 0) {
                    endOfBody();
                }
                return;
            }
            long[] q = requests.get(responseIndex);
            byte want = q[0] == FILE || q[0] == READ ? FileTransferTest.patternAt(q[1] + bodyAt)
                    : bodyByte(sessionSeed, responseIndex, bodyAt);
            if (b != want) {
                fail("response " + responseIndex + " (type " + q[0] + ", strategy "
                        + GetBufFileStrategy.values()[(int) q[3]] + ", offset " + q[1] + ", length " + q[2]
                        + "): byte " + bodyAt + " is " + b + ", expected " + want);
                return;
            }
            if (++bodyAt == bodyLength) {
                endOfBody();
            }
        }

        private void endOfBody() {
            bodyLength = -1;
            responseIndex++;
            stats.responses.incrementAndGet();
        }

        /** The client channel: its kind, whether it reads slowly, and a getbuf channel's own state. */
        private String clientState() {
            Channel c = channel;
            if (c == null) {
                return "not active";
            }
            String kind = c.getClass().getSimpleName() + (Boolean.TRUE.equals(c.attr(SLOW).get()) ? ", slow" : "")
                    + ", " + c;
            if (!(c instanceof GetBufSocketChannel)) {
                String key;
                try {
                    java.lang.reflect.Method m = io.netty.channel.nio.AbstractNioChannel.class
                            .getDeclaredMethod("selectionKey");
                    m.setAccessible(true);
                    java.nio.channels.SelectionKey k = (java.nio.channels.SelectionKey) m.invoke(c);
                    key = k == null ? "no key" : k.isValid() ? "interest " + k.interestOps() + " ready " + k.readyOps()
                            : "invalid key";
                } catch (Exception e) {
                    key = e.toString();
                }
                return kind + (c.isActive() ? ", active" : ", inactive") + ", autoRead " + c.config().isAutoRead()
                        + ", " + key + ", last read " + (lastRead == 0 ? "never"
                        : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastRead) + " ms ago") + ", reads "
                        + reads;
            }
            try {
                return kind + ", " + c.eventLoop().submit(() -> ((GetBufSocketChannel) c).stateForTests())
                        .get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                return kind + ", " + e;
            }
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("session ").append(Long.toHexString(sessionSeed))
                    .append(" (client ").append(clientState()).append(')')
                    .append(echo ? " echo of " + echoBytes : " requests " + requests.size())
                    .append(halfClose ? ", half-close" : "").append(resetAfter >= 0 ? ", reset at " + resetAfter : "")
                    .append(", received ").append(received).append(", response ").append(responseIndex)
                    .append(" at ").append(bodyAt).append(" of ").append(bodyLength).append(", requests:");
            for (long[] q : requests) {
                sb.append(" [").append(q[0]).append(' ').append(GetBufFileStrategy.values()[(int) q[3]]).append(' ')
                        .append(q[2]).append(']');
            }
            return sb.toString();
        }

        private void fail(String why) {
            errors.add("session " + Long.toHexString(sessionSeed) + ": " + why);
            done.complete(null);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                ctx.close(); // the server is done (half-closed clients hear of it here, not by channelInactive)
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            header.release();
            if (!done.isDone()) {
                // the server ended the connection before every response: only an injected fault may do that
                stats.endedEarly.incrementAndGet();
                done.complete(null);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
