package io.getbuf.benchmarks.echo;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.ReferenceCountUtil;
import org.HdrHistogram.Histogram;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The load generator, the same for every server: Netty 4.2 epoll, ONE event loop thread for all
 * connections. Driven over stdin by {@link EchoBenchmark}, one command per line:
 *
 * <pre>
 *   run &lt;host&gt; &lt;port&gt; &lt;pingpong|stream&gt; &lt;messageBytes&gt; &lt;connections&gt; &lt;warmupMs&gt; &lt;measureMs&gt;
 *   quit
 * </pre>
 *
 * and answers on stdout with {@code MEASURING} (warm-up done), {@code MEASURED} (window closed) and
 * {@code RESULT <messages> <bytes> <nanos> <errors> <p50> <p99> <p99.9>} (pingpong round-trip latency in ns, from an
 * HdrHistogram of the measured window; 0 for stream) once the connections are closed again, or
 * {@code ERROR <text>}.
 *
 * <p>pingpong: every connection has one message in flight; a message counts when all its bytes came
 * back, then the next one is sent. stream: every connection writes messages as long as it is writable
 * (default write-buffer water marks), the server echoes, the client counts the bytes it receives.
 */
public final class EchoClient {

    /** Maximum bytes one streaming connection writes per turn before yielding to the event loop. */
    private static final int STREAM_TURN_BYTES = Integer.getInteger("echo.turnBytes", 64 * 1024);
    /** Flush at least every this many bytes while streaming. */
    private static final int STREAM_FLUSH_BYTES = 64 * 1024;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final EventLoop loop = group.next();

    public static void main(String[] args) throws Exception {
        Epoll.ensureAvailability();
        PrintStream out = System.out;
        EchoClient client = new EchoClient();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        out.println("READY");
        out.flush();
        try {
            String line;
            while ((line = in.readLine()) != null) {
                String[] a = line.trim().split("\\s+");
                if (a.length == 0 || a[0].isEmpty()) {
                    continue;
                }
                if (a[0].equals("quit")) {
                    break;
                }
                if (!a[0].equals("run") || a.length != 8) {
                    out.println("ERROR bad command: " + line);
                    out.flush();
                    continue;
                }
                try {
                    client.run(out, a[1], Integer.parseInt(a[2]), a[3], Integer.parseInt(a[4]),
                            Integer.parseInt(a[5]), Long.parseLong(a[6]), Long.parseLong(a[7]));
                } catch (Throwable t) {
                    out.println("ERROR " + EchoServer.oneLine(t));
                    out.flush();
                }
            }
        } finally {
            client.group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
        System.exit(0);
    }

    /** Counters of one cell; only touched on the event loop thread. */
    static final class Cell {
        final boolean stream;
        final int size;
        final ByteBuf payload;
        boolean running;
        long messages;
        long bytes;
        long errors;
        /** pingpong: nanoseconds from a message's send to the last byte of its echo (event loop only). */
        final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);

        Cell(boolean stream, int size) {
            this.stream = stream;
            this.size = size;
            ByteBuf b = Unpooled.directBuffer(size, size);
            for (int i = 0; i < size; i++) {
                b.writeByte('a' + i % 26);
            }
            // never freed by writes: every write sends a duplicate of it
            this.payload = Unpooled.unreleasableBuffer(b);
        }
    }

    private void run(PrintStream out, String host, int port, String mode, int size, int conns,
                     long warmupMs, long measureMs) throws Exception {
        final boolean stream;
        if (mode.equals("stream")) {
            stream = true;
        } else if (mode.equals("pingpong")) {
            stream = false;
        } else {
            throw new IllegalArgumentException("mode " + mode);
        }
        Cell cell = new Cell(stream, size);
        List<ClientHandler> handlers = new ArrayList<>();
        List<Channel> channels = new ArrayList<>();
        try {
            Bootstrap b = new Bootstrap()
                    .group(loop)
                    .channel(EpollSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000);
            List<ChannelFuture> futures = new ArrayList<>();
            for (int i = 0; i < conns; i++) {
                ClientHandler h = new ClientHandler(cell);
                handlers.add(h);
                futures.add(b.clone().handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(h);
                    }
                }).connect(new InetSocketAddress(host, port)));
            }
            for (ChannelFuture f : futures) {
                if (!f.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("connect timed out");
                }
                if (!f.isSuccess()) {
                    throw new IllegalStateException("connect failed", f.cause());
                }
                channels.add(f.channel());
            }

            loop.submit(() -> {
                cell.running = true;
                for (ClientHandler h : handlers) {
                    h.start();
                }
            }).get(10, TimeUnit.SECONDS);

            Thread.sleep(warmupMs);
            long[] s0 = snapshot(cell, true);
            long t0 = System.nanoTime();
            out.println("MEASURING");
            out.flush();
            Thread.sleep(measureMs);
            long[] s1 = snapshot(cell, false);
            long t1 = System.nanoTime();
            out.println("MEASURED");
            out.flush();

            loop.submit(() -> {
                cell.running = false;
            }).get(10, TimeUnit.SECONDS);
            out.println("RESULT " + (s1[0] - s0[0]) + " " + (s1[1] - s0[1]) + " " + (t1 - t0) + " "
                    + (s1[2] - s0[2]) + " " + s1[3] + " " + s1[4] + " " + s1[5]);
        } finally {
            for (Channel ch : channels) {
                ch.close();
            }
            for (Channel ch : channels) {
                ch.closeFuture().await(5, TimeUnit.SECONDS);
            }
            cell.payload.unwrap().release();
            out.println("DONE");
            out.flush();
        }
    }

    /**
     * The counters, and the latency percentiles (p50, p99, p99.9 in ns; 0 for stream) of the round trips since the
     * last snapshot that {@code reset} the histogram: the measured window's only.
     */
    private long[] snapshot(Cell cell, boolean reset) throws Exception {
        return loop.submit(() -> {
            Histogram h = cell.latency;
            long[] v = {cell.messages, cell.bytes, cell.errors, h.getValueAtPercentile(50),
                h.getValueAtPercentile(99), h.getValueAtPercentile(99.9)};
            if (reset) {
                h.reset();
            }
            return v;
        }).get(10, TimeUnit.SECONDS);
    }

    static final class ClientHandler extends ChannelInboundHandlerAdapter {
        private final Cell cell;
        private Channel ch;
        private int received; // pingpong: bytes of the current message received so far
        private long sentAt; // pingpong: when the current message was written
        private boolean pumping;
        private boolean pumpScheduled;
        private final Runnable pumpTask = () -> {
            pumpScheduled = false;
            pump();
        };

        ClientHandler(Cell cell) {
            this.cell = cell;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ch = ctx.channel();
            ctx.fireChannelActive();
        }

        void start() {
            if (cell.stream) {
                pump();
            } else {
                sentAt = System.nanoTime();
                ch.writeAndFlush(cell.payload.duplicate(), ch.voidPromise());
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            int n = buf.readableBytes();
            ReferenceCountUtil.release(buf);
            cell.bytes += n;
            if (cell.stream) {
                return;
            }
            received += n;
            boolean send = false;
            while (received >= cell.size) {
                received -= cell.size;
                cell.messages++;
                send = true;
            }
            if (send) {
                long now = System.nanoTime();
                cell.latency.recordValue(Math.min(now - sentAt, cell.latency.getHighestTrackableValue()));
                if (cell.running) {
                    sentAt = now;
                    ctx.writeAndFlush(cell.payload.duplicate(), ctx.voidPromise());
                }
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (cell.stream && ctx.channel().isWritable()) {
                pump();
            }
            ctx.fireChannelWritabilityChanged();
        }

        /** Writes messages while writable, at most STREAM_TURN_BYTES per turn, then yields. */
        private void pump() {
            if (pumping || !cell.running || ch == null || !ch.isActive()) {
                return;
            }
            pumping = true;
            try {
                int written = 0;
                int unflushed = 0;
                while (ch.isWritable() && written < STREAM_TURN_BYTES) {
                    ch.write(cell.payload.duplicate(), ch.voidPromise());
                    written += cell.size;
                    unflushed += cell.size;
                    if (unflushed >= STREAM_FLUSH_BYTES) {
                        ch.flush();
                        unflushed = 0;
                    }
                }
                if (unflushed > 0) {
                    ch.flush();
                }
                if (ch.isWritable() && !pumpScheduled) {
                    pumpScheduled = true;
                    ch.eventLoop().execute(pumpTask);
                }
            } finally {
                pumping = false;
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (cell.running) {
                cell.errors++; // closed by the server while the cell runs
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cell.running) {
                cell.errors++;
            }
            ctx.close();
        }
    }
}
