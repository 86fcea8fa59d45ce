package io.getbuf.benchmarks.echo;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;

/** Netty 4.2's epoll transport, default configuration. */
public final class NettyEpollEchoTransport implements EchoTransport {
    @Override
    public void ensureAvailable() throws Throwable {
        Epoll.ensureAvailability();
    }

    @Override
    public EventLoopGroup newSingleThreadGroup() {
        return new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    }

    @Override
    public Class<? extends ServerChannel> serverChannelClass() {
        return EpollServerSocketChannel.class;
    }

    @Override
    public String describe() {
        return "Netty epoll " + EchoTransport.nettyVersion(Epoll.class);
    }
}
