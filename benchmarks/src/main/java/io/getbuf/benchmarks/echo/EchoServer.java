package io.getbuf.benchmarks.echo;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Echo server JVM: {@code EchoServer <transport> [host]}. Binds an ephemeral port on 127.0.0.1, prints
 * {@code PORT <n>} and {@code DESC <text>} on stdout, and runs until stdin says {@code quit} or closes.
 * One event loop thread serves both accept and I/O.
 *
 * <p>Compiled against Netty 4.2 but only uses API that is binary compatible with Netty 4.1, because the
 * same class serves netty-incubator-transport-io_uring on a 4.1 class path.
 */
public final class EchoServer {

    public static void main(String[] args) throws Throwable {
        if (args.length < 1) {
            System.err.println("usage: EchoServer <getbuf|io_uring|epoll|nio|incubator> [host]");
            System.exit(2);
        }
        String host = args.length > 1 ? args[1] : "127.0.0.1";
        EchoTransport transport;
        try {
            transport = EchoTransport.forName(args[0]);
            transport.ensureAvailable();
        } catch (Throwable t) {
            System.out.println("UNAVAILABLE " + oneLine(t));
            System.out.flush();
            t.printStackTrace();
            System.exit(3);
            return;
        }
        EventLoopGroup group = transport.newSingleThreadGroup();
        try {
            ServerBootstrap b = new ServerBootstrap();
            b.group(group)
                    .channel(transport.serverChannelClass())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(EchoHandler.INSTANCE);
            String rcv = System.getProperty("echo.rcvbuf", transport.defaultRecvAllocator());
            if (rcv != null && !rcv.isEmpty()) {
                b.childOption(ChannelOption.RCVBUF_ALLOCATOR, recvAllocator(rcv));
            }
            Integer maxMessages = Integer.getInteger("echo.maxMessagesPerRead");
            if (maxMessages != null) {
                b.childOption(ChannelOption.MAX_MESSAGES_PER_READ, maxMessages);
            }
            Channel server = b.bind(new InetSocketAddress(host, 0)).sync().channel();
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            System.out.println("DESC " + transport.describe());
            System.out.println("PORT " + port);
            System.out.flush();

            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.trim().equals("quit")) {
                    break;
                }
            }
            server.close().await(5, TimeUnit.SECONDS);
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
        System.exit(0);
    }

    /** {@code fixed:<size>} or {@code adaptive:<min>:<initial>:<max>}. */
    static RecvByteBufAllocator recvAllocator(String spec) {
        String[] p = spec.split(":");
        if (p[0].equals("fixed") && p.length == 2) {
            return new FixedRecvByteBufAllocator(Integer.parseInt(p[1]));
        }
        if (p[0].equals("adaptive") && p.length == 4) {
            return new AdaptiveRecvByteBufAllocator(Integer.parseInt(p[1]), Integer.parseInt(p[2]),
                    Integer.parseInt(p[3]));
        }
        throw new IllegalArgumentException("echo.rcvbuf: " + spec);
    }

    static String oneLine(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            sb.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
            if (c.getCause() == c) {
                break;
            }
        }
        return sb.toString().replace('\n', ' ');
    }

    /**
     * Echoes every buffer back as it arrives; flushes once per read batch. Reading stops while the
     * channel is not writable (the peer does not drain), and resumes when it becomes writable again.
     */
    @ChannelHandler.Sharable
    static final class EchoHandler extends ChannelInboundHandlerAdapter {
        static final EchoHandler INSTANCE = new EchoHandler();
        static final boolean DEBUG = Boolean.getBoolean("echo.debug");

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (DEBUG) {
                System.err.println("active " + ctx.channel());
            }
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (DEBUG) {
                System.err.println("inactive " + ctx.channel());
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (DEBUG) {
                System.err.println("read " + ctx.channel() + " " + msg);
            }
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
            Channel ch = ctx.channel();
            if (!ch.isWritable()) {
                ch.config().setAutoRead(false);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            if (ch.isWritable() && !ch.config().isAutoRead()) {
                ch.config().setAutoRead(true);
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // peers reset connections at the end of every cell: not an error worth printing
            if (DEBUG) {
                cause.printStackTrace();
            }
            ctx.close();
        }
    }
}
