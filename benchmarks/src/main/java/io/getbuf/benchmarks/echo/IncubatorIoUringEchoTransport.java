package io.getbuf.benchmarks.echo;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;

import java.lang.reflect.InvocationTargetException;

/**
 * netty-incubator-transport-io_uring 0.0.26.Final. It is built for Netty 4.1, so this class is only
 * ever loaded in a JVM started on the Netty 4.1 class path (see netty41/pom.xml); it uses reflection so
 * that the module compiles against Netty 4.2 without the incubator on its class path.
 */
public final class IncubatorIoUringEchoTransport implements EchoTransport {
    private static final String PKG = "io.netty.incubator.channel.uring.";

    @Override
    public void ensureAvailable() throws Throwable {
        try {
            Class.forName(PKG + "IOUring").getMethod("ensureAvailability").invoke(null);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Override
    public EventLoopGroup newSingleThreadGroup() throws Exception {
        return (EventLoopGroup) Class.forName(PKG + "IOUringEventLoopGroup")
                .getConstructor(int.class).newInstance(1);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Class<? extends ServerChannel> serverChannelClass() throws Exception {
        return (Class<? extends ServerChannel>) Class.forName(PKG + "IOUringServerSocketChannel");
    }

    /**
     * With Netty's default AdaptiveRecvByteBufAllocator (minimum 64 bytes) ping-pong on the incubator
     * transport stalls once the adaptive guess has shrunk to the 64-byte message size (~60 round trips):
     * a read that fills its buffer exactly makes it read on, and channelReadComplete, where the echo
     * handler flushes, waits for data the peer will not send before it gets its answer. Raising only the
     * minimum to 1024 (initial 2048 and maximum 64 KiB stay the defaults) avoids the exact fill.
     */
    @Override
    public String defaultRecvAllocator() {
        return "adaptive:1024:2048:65536";
    }

    @Override
    public String describe() {
        try {
            Class<?> c = Class.forName(PKG + "IOUring");
            return "netty-incubator io_uring " + EchoTransport.nettyVersion(c) + " on Netty "
                    + EchoTransport.nettyVersion(EventLoopGroup.class);
        } catch (ClassNotFoundException e) {
            return "netty-incubator io_uring (missing)";
        }
    }
}
