package io.getbuf.benchmarks.echo;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;

import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;
import java.util.List;

/**
 * getbuf, default configuration: exactly the drop-in swap a Netty user makes,
 * <pre>
 *   new MultiThreadIoEventLoopGroup(1, GetBufIoHandler.newFactory())   +   GetBufServerSocketChannel.class
 * </pre>
 * {@code -Decho.getbuf.bufferRing=ENTRIES:BUFFER_SIZE[:whole][:multishot]} (e.g. through
 * {@code --server-jvm-arg}) gives the loop a provided-buffer ring instead ({@code whole}: no
 * incremental consumption; {@code multishot}: multishot recvs); {@code -Decho.getbuf.singleIssuer=false}
 * turns SINGLE_ISSUER / DEFER_TASKRUN off. Both combine.
 * The getbuf types are looked up by name (once, at start-up; nothing on the I/O path) so that this
 * module compiles, and the other transports can still be measured, while the transport is incomplete.
 */
public final class GetBufEchoTransport implements EchoTransport {
    private static final String PKG = "io.getbuf.transport.";

    @Override
    public void ensureAvailable() throws Throwable {
        Class<?> probe;
        try {
            probe = Class.forName(PKG + "GetBuf");
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("getbuf-transport is not on the class path", e);
        }
        try {
            probe.getMethod("ensureAvailability").invoke(null);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Override
    public EventLoopGroup newSingleThreadGroup() throws Exception {
        IoHandlerFactory factory;
        try {
            // a fresh config is the default one: newFactory(config) is newFactory() until an option is set
            Class<?> config = Class.forName(PKG + "GetBufIoHandlerConfig");
            Object c = config.getConstructor().newInstance();
            String singleIssuer = System.getProperty("echo.getbuf.singleIssuer"); // true (default) / false
            if (singleIssuer != null) {
                config.getMethod("setSingleIssuer", boolean.class).invoke(c, Boolean.parseBoolean(singleIssuer));
            }
            String ringSpec = System.getProperty("echo.getbuf.bufferRing"); // ENTRIES:BUFFER_SIZE[:whole][:multishot]
            if (ringSpec != null) {
                String[] p = ringSpec.split(":");
                Class<?> ringConfig = Class.forName(PKG + "GetBufBufferRingConfig");
                Object ring = ringConfig.getConstructor(int.class, int.class)
                        .newInstance(Integer.parseInt(p[0]), Integer.parseInt(p[1]));
                List<String> flags = Arrays.asList(p);
                ringConfig.getMethod("setIncremental", boolean.class).invoke(ring, !flags.contains("whole"));
                ringConfig.getMethod("setMultishot", boolean.class).invoke(ring, flags.contains("multishot"));
                config.getMethod("setBufferRing", ringConfig).invoke(c, ring);
            }
            factory = (IoHandlerFactory) Class.forName(PKG + "GetBufIoHandler").getMethod("newFactory", config)
                    .invoke(null, c);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
        }
        return new MultiThreadIoEventLoopGroup(1, factory);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Class<? extends ServerChannel> serverChannelClass() throws Exception {
        return (Class<? extends ServerChannel>) Class.forName(PKG + "GetBufServerSocketChannel");
    }

    @Override
    public String describe() {
        String s = "getbuf on Netty " + EchoTransport.nettyVersion(EventLoopGroup.class);
        try {
            Object gb = Class.forName(PKG + "GetBuf").getMethod("isGetBufSupported").invoke(null);
            s += " (IORING_OP_GET_BUF " + (Boolean.TRUE.equals(gb) ? "supported" : "not supported") + " by the kernel)";
        } catch (Throwable ignore) {
            // optional
        }
        if (System.getProperty("echo.getbuf.bufferRing") != null) {
            s += ", buffer ring " + System.getProperty("echo.getbuf.bufferRing");
        }
        return s;
    }
}
