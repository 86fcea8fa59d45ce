package io.getbuf.benchmarks.echo;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;

/** Netty 4.2's own io_uring transport (netty-transport-classes-io_uring), default configuration. */
public final class NettyIoUringEchoTransport implements EchoTransport {
    @Override
    public void ensureAvailable() throws Throwable {
        IoUring.ensureAvailability();
    }

    @Override
    public EventLoopGroup newSingleThreadGroup() {
        return new MultiThreadIoEventLoopGroup(1, IoUringIoHandler.newFactory());
    }

    @Override
    public Class<? extends ServerChannel> serverChannelClass() {
        return IoUringServerSocketChannel.class;
    }

    @Override
    public String describe() {
        return "Netty io_uring " + EchoTransport.nettyVersion(IoUring.class);
    }
}
