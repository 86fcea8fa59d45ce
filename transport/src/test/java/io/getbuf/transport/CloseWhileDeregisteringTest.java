/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.unix.Socket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * A channel closed while its registration is ending keeps its fd until the last operation of that registration has
 * reported back: an SQE still queued names the fd by number, and a number closed early is reused by the next socket
 * the process opens. Here a recv is queued, the channel deregisters and, from channelUnregistered, closes; the test
 * then opens sockets until it holds the lowest free descriptor, connects one to a peer that has sent data, and lets
 * the loop submit. Had the fd been closed at once, the queued recv would read the new connection's data.
 */
@GetBufTest(warmUp = false)
@Timeout(60)
class CloseWhileDeregisteringTest {
    private static final String VICTIM_DATA = "data of an unrelated connection";

    @BeforeAll
    static void requireIoUring() {
        GetBufAssumptions.assumeAvailable();
    }

    @Test
    void theFdOutlivesTheOperationsThatNameIt() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory());
        BlockingQueue<Channel> children = new LinkedBlockingQueue<>();
        List<Socket> grabbed = new ArrayList<>();
        try (ServerSocket victimServer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread victim = new Thread(() -> serveOnce(victimServer), "victim-server");
            victim.start();
            Channel server = new ServerBootstrap().group(group).channel(GetBufServerSocketChannel.class)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            children.add(ctx.channel());
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            Channel client = new Bootstrap().group(group).channel(GetBufSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(server.localAddress()).sync().channel();
            GetBufSocketChannel child = (GetBufSocketChannel) children.poll(10, TimeUnit.SECONDS);
            int fd = child.fd().intValue();
            Path fdLink = Paths.get("/proc/self/fd/" + fd);
            String childTarget = Files.readSymbolicLink(fdLink).toString();

            CompletableFuture<Socket> victimSocket = new CompletableFuture<>();
            child.eventLoop().execute(() -> {
                child.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelUnregistered(ChannelHandlerContext ctx) {
                        // the registration is ending: its recv is still queued, its cancellation too
                        ctx.close();
                        try {
                            victimSocket.complete(grabLowestFdAndConnect(fd, victimServer, grabbed));
                        } catch (Throwable t) {
                            victimSocket.completeExceptionally(t);
                        }
                    }
                });
                child.read();        // queues a recv on fd
                child.deregister();  // ends the registration (channelUnregistered comes in a later task)
            });
            Socket connected = victimSocket.get(10, TimeUnit.SECONDS);
            assertEquals(VICTIM_DATA, readAll(connected, VICTIM_DATA.length()), "the unrelated connection's data");
            assertNotEquals(fd, connected.intValue(), "fd " + fd + " was reused while operations named it");

            // and once the registration has ended, the fd is closed
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (childTarget.equals(linkTarget(fdLink)) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertNotEquals(childTarget, linkTarget(fdLink), "the closed channel's fd stayed open");
            client.close().sync();
            server.close().sync();
            victim.join(5000);
        } finally {
            for (Socket s : grabbed) {
                s.close();
            }
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    /**
     * Opens sockets until one gets {@code fd} or a higher number (then {@code fd} is not free), connects that one to
     * the victim server and waits until the server's data has arrived in it.
     */
    private static Socket grabLowestFdAndConnect(int fd, ServerSocket victimServer, List<Socket> grabbed)
            throws Exception {
        Socket s;
        for (;;) {
            s = Socket.newSocketStream();
            grabbed.add(s);
            if (s.intValue() >= fd) {
                break;
            }
        }
        InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), victimServer.getLocalPort());
        if (!s.connect(at)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!s.finishConnect()) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("connect to the victim server timed out");
                }
                Thread.sleep(1);
            }
        }
        // let the data arrive before the loop submits what it queued
        Thread.sleep(200);
        return s;
    }

    private static void serveOnce(ServerSocket server) {
        try (java.net.Socket accepted = server.accept(); OutputStream out = accepted.getOutputStream()) {
            out.write(VICTIM_DATA.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(3000); // keep the connection open while the test reads
        } catch (Exception e) {
            // the test fails on its own when the data does not arrive
        }
    }

    private static String readAll(Socket s, int n) throws Exception {
        ByteBuffer buf = ByteBuffer.allocateDirect(n);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (buf.hasRemaining() && System.nanoTime() < deadline) {
            int r = s.read(buf, buf.position(), buf.limit());
            if (r > 0) {
                buf.position(buf.position() + r);
            } else {
                Thread.sleep(5);
            }
        }
        buf.flip();
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    private static String linkTarget(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (NoSuchFileException e) {
            return "(closed)";
        } catch (IOException e) {
            return "(unreadable: " + e + ')';
        }
    }
}
