package io.getbuf.benchmarks.echo;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;

/**
 * One server transport under test. Implementations must only touch API that exists in both Netty 4.1
 * and 4.2 from the signatures here, because {@link EchoServer} also runs on a Netty 4.1 class path
 * (for netty-incubator-transport-io_uring).
 */
public interface EchoTransport {

    /** Throws the transport's unavailability cause if it cannot run on this machine. */
    void ensureAvailable() throws Throwable;

    /** An event loop group with exactly one I/O thread. */
    EventLoopGroup newSingleThreadGroup() throws Exception;

    Class<? extends ServerChannel> serverChannelClass() throws Exception;

    /**
     * The child RCVBUF_ALLOCATOR spec this transport needs to work at all ({@code fixed:<n>} or
     * {@code adaptive:<min>:<initial>:<max>}), or null for the transport's default.
     */
    default String defaultRecvAllocator() {
        return null;
    }

    /** Human readable version string for the report. */
    String describe();

    /** Known transports, by the names the driver accepts. */
    static EchoTransport forName(String name) throws Exception {
        String cls;
        switch (name) {
            case "getbuf":
                cls = "io.getbuf.benchmarks.echo.GetBufEchoTransport";
                break;
            case "io_uring":
                cls = "io.getbuf.benchmarks.echo.NettyIoUringEchoTransport";
                break;
            case "epoll":
                cls = "io.getbuf.benchmarks.echo.NettyEpollEchoTransport";
                break;
            case "nio":
                cls = "io.getbuf.benchmarks.echo.NettyNioEchoTransport";
                break;
            case "incubator":
                cls = "io.getbuf.benchmarks.echo.IncubatorIoUringEchoTransport";
                break;
            default:
                throw new IllegalArgumentException("unknown transport: " + name
                        + " (known: getbuf, io_uring, epoll, nio, incubator)");
        }
        return (EchoTransport) Class.forName(cls).getDeclaredConstructor().newInstance();
    }

    static String nettyVersion(Class<?> anyNettyClass) {
        Package p = anyNettyClass.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v == null ? "?" : v;
    }
}
