package io.getbuf.benchmarks.echo;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/** Netty 4.2's NIO transport (not in the default set; select it with --transports). */
public final class NettyNioEchoTransport implements EchoTransport {
    @Override
    public void ensureAvailable() {
    }

    @Override
    public EventLoopGroup newSingleThreadGroup() {
        return new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @Override
    public Class<? extends ServerChannel> serverChannelClass() {
        return NioServerSocketChannel.class;
    }

    @Override
    public String describe() {
        return "Netty nio " + EchoTransport.nettyVersion(NioIoHandler.class);
    }
}
