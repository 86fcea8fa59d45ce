/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.examples;

import io.getbuf.transport.GetBuf;
import io.getbuf.transport.GetBufIoHandler;
import io.getbuf.transport.GetBufServerSocketChannel;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;

import java.io.File;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.nio.file.Paths;

import static io.netty.handler.codec.http.HttpVersion.HTTP_1_1;

/**
 * Serves the files under a directory over HTTP/1.1 with getbuf: the usual Netty file server,
 * with getbuf's IoHandler and channel in place of NIO's and nothing else changed.
 *
 * <pre>java -cp ... io.getbuf.examples.StaticFileServer [root-dir] [port] [host]</pre>
 */
public final class StaticFileServer {
    private StaticFileServer() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Paths.get(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 8080;
        String host = args.length > 2 ? args[2] : "127.0.0.1";
        GetBuf.ensureAvailability();
        System.err.println(GetBuf.describe());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory());
        try {
            new ServerBootstrap().group(group)
                    .channel(GetBufServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192),
                                    new FileHandler(root));
                        }
                    })
                    .bind(new InetSocketAddress(host, port)).sync()
                    .channel().closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }

    static final class FileHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Path root;

        FileHandler(Path root) {
            this.root = root;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) throws Exception {
            if (request.method() != HttpMethod.GET) {
                sendStatus(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, request);
                return;
            }
            String uri = request.uri();
            int q = uri.indexOf('?');
            Path path = root.resolve("." + (q >= 0 ? uri.substring(0, q) : uri)).normalize();
            File file = path.toFile();
            if (!path.startsWith(root) || !file.isFile() || file.isHidden()) {
                sendStatus(ctx, HttpResponseStatus.NOT_FOUND, request);
                return;
            }
            RandomAccessFile raf = new RandomAccessFile(file, "r");
            long length = raf.length();
            HttpResponse response = new DefaultHttpResponse(HTTP_1_1, HttpResponseStatus.OK);
            HttpUtil.setContentLength(response, length);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            ctx.write(response);
            ctx.write(new DefaultFileRegion(raf.getChannel(), 0, length));
            if (keepAlive) {
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            } else {
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
            }
        }

        private static void sendStatus(ChannelHandlerContext ctx, HttpResponseStatus status, FullHttpRequest req) {
            DefaultFullHttpResponse response = new DefaultFullHttpResponse(HTTP_1_1, status);
            HttpUtil.setContentLength(response, 0);
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            HttpUtil.setKeepAlive(response, keepAlive);
            if (keepAlive) {
                ctx.writeAndFlush(response);
            } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
