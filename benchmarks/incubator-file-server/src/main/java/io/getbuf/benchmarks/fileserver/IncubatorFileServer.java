/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.benchmarks.fileserver;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.stream.ChunkedFile;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.incubator.channel.uring.IOUring;
import io.netty.incubator.channel.uring.IOUringEventLoopGroup;
import io.netty.incubator.channel.uring.IOUringServerSocketChannel;

import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.atomic.LongAdder;

import static io.netty.handler.codec.http.HttpVersion.HTTP_1_1;

/**
 * The benchmark's peer on netty-incubator-transport-io_uring 0.0.26 (Netty 4.1): a minimal static
 * file server with the example server's command line, so run-file-servers.sh starts it the same way.
 *
 * <p>The incubator transport has no FileRegion support, so bodies go out as a {@link ChunkedFile}
 * through {@link ChunkedWriteHandler}: blocking reads into heap buffers on the event loop, then
 * written like any other buffer. That is how a 4.1 application serves files on this transport.
 * Only what the benchmark needs: GET and HEAD of regular files under the root, keep-alive,
 * Content-Length; no ranges, no conditional requests, no Content-Type guessing.
 *
 * <pre>java -cp ... IncubatorFileServer --root DIR [--host H] [--port P] [--threads N] [--chunk BYTES]</pre>
 */
public final class IncubatorFileServer {
    private static final LongAdder REQUESTS = new LongAdder();
    private static final LongAdder BYTES = new LongAdder();

    private IncubatorFileServer() {
    }

    public static void main(String[] args) throws Exception {
        Path root = null;
        String host = "127.0.0.1";
        int port = 8080;
        int threads = 1;
        int chunk = 64 * 1024;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--root": root = Paths.get(args[++i]).toRealPath(); break;
                case "--host": host = args[++i]; break;
                case "--port": port = Integer.parseInt(args[++i]); break;
                case "--threads": threads = Integer.parseInt(args[++i]); break;
                case "--chunk": chunk = Integer.parseInt(args[++i]); break;
                case "--transport":
                    if (!"incubator".equals(args[++i])) {
                        throw new IllegalArgumentException("this server only runs on --transport incubator");
                    }
                    break;
                default: throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (root == null) {
            throw new IllegalArgumentException("--root DIR is required");
        }
        IOUring.ensureAvailability();
        // One group for accept and I/O, like the example server with --threads 1.
        EventLoopGroup group = new IOUringEventLoopGroup(threads);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println(
                "summary: requests=" + REQUESTS.sum() + " body-bytes=" + BYTES.sum() + " (ChunkedFile)")));
        Path docRoot = root;
        int chunkSize = chunk;
        try {
            ChannelFuture bound = new ServerBootstrap().group(group)
                    .channel(IOUringServerSocketChannel.class)
                    // The incubator stalls when a recv fills its buffer exactly (benchmarks/README.md,
                    // "Known stall"); a 1 KiB minimum keeps requests from ever filling one.
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(1024, 2048, 65536))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new ChunkedWriteHandler(),
                                    new FileHandler(docRoot, chunkSize));
                        }
                    })
                    .bind(new InetSocketAddress(host, port)).sync();
            InetSocketAddress local = (InetSocketAddress) bound.channel().localAddress();
            System.out.println("transport: netty-incubator io_uring " + IOUring.class.getPackage().getImplementationVersion()
                    + ", bodies: ChunkedFile of " + chunkSize + " bytes (no FileRegion support)");
            System.out.println("listening on http://" + host + ":" + local.getPort() + "/");
            bound.channel().closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }

    /** Answers each request head; request bodies (there are none from wrk or curl) are ignored. */
    static final class FileHandler extends SimpleChannelInboundHandler<HttpObject> {
        private final Path root;
        private final int chunkSize;

        FileHandler(Path root, int chunkSize) {
            this.root = root;
            this.chunkSize = chunkSize;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) throws Exception {
            if (!(msg instanceof HttpRequest)) {
                return;
            }
            HttpRequest request = (HttpRequest) msg;
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            boolean head = HttpMethod.HEAD.equals(request.method());
            if (!head && !HttpMethod.GET.equals(request.method())) {
                sendError(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, keepAlive);
                return;
            }
            Path file = resolve(request.uri());
            if (file == null) {
                sendError(ctx, HttpResponseStatus.NOT_FOUND, keepAlive);
                return;
            }
            RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r");
            long length = raf.length();
            HttpResponse response = new DefaultHttpResponse(HTTP_1_1, HttpResponseStatus.OK);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
            HttpUtil.setContentLength(response, length);
            HttpUtil.setKeepAlive(response, keepAlive);
            REQUESTS.increment();
            ctx.write(response);
            ChannelFuture last;
            if (head) {
                raf.close();
                last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            } else {
                BYTES.add(length);
                last = ctx.writeAndFlush(new HttpChunkedInput(new ChunkedFile(raf, 0, length, chunkSize)));
            }
            if (!keepAlive) {
                last.addListener(ChannelFutureListener.CLOSE);
            }
        }

        /** A regular file under the root, no dot-names, no symlinks; null otherwise. */
        private Path resolve(String uri) {
            String path = new QueryStringDecoder(uri).path();
            if (!path.startsWith("/") || path.contains("\0")) {
                return null;
            }
            for (String part : path.substring(1).split("/")) {
                if (part.isEmpty() || part.startsWith(".")) {
                    return null;
                }
            }
            Path file = root.resolve(path.substring(1)).normalize();
            if (!file.startsWith(root) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                return null;
            }
            return file;
        }

        private static void sendError(ChannelHandlerContext ctx, HttpResponseStatus status, boolean keepAlive) {
            DefaultFullHttpResponse response = new DefaultFullHttpResponse(HTTP_1_1, status);
            HttpUtil.setContentLength(response, 0);
            HttpUtil.setKeepAlive(response, keepAlive);
            ChannelFuture f = ctx.writeAndFlush(response);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
