/*
 * Bootstrap permutations for Netty's shared transport test suite, run against getbuf.
 */
package io.getbuf.transport.testsuite;

import io.getbuf.transport.GetBuf;
import io.getbuf.transport.GetBufBufferRingConfig;
import io.getbuf.transport.GetBufDomainSocketChannel;
import io.getbuf.transport.GetBufServerDomainSocketChannel;
import io.getbuf.transport.GetBufChannelOption;
import io.getbuf.transport.GetBufDatagramChannel;
import io.getbuf.transport.GetBufFileStrategy;
import io.getbuf.transport.GetBufIoHandler;
import io.getbuf.transport.GetBufIoHandlerConfig;
import io.getbuf.transport.GetBufServerSocketChannel;
import io.getbuf.transport.GetBufSocketChannel;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.tests.UnixTestUtils;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.SocketTestPermutation;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;

import static io.getbuf.transport.testsuite.OpenChannels.tracking;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The getbuf permutations of Netty's socket test suite.
 *
 * <p>{@link #socket()} combines a getbuf server and a NIO server with a getbuf client and a NIO client and drops
 * NIO x NIO, as Netty's epoll and io_uring modules do: getbuf/getbuf, getbuf server + NIO client, NIO server +
 * getbuf client. NIO channels run on the superclass's {@code NIO_GROUP}.
 *
 * <p>getbuf channels run on shared, static, daemon event loop groups (one boss group, one worker group), created on
 * first use and never shut down, like the groups of Netty's own native transport tests. There are two pairs: plain
 * ({@link GetBufIoHandler#newFactory()}) and buffer ring (a handler factory whose config carries a
 * {@link GetBufBufferRingConfig}). The buffer ring permutations additionally set
 * {@link GetBufChannelOption#USE_BUFFER_RING} on every getbuf channel that receives data (server children and
 * clients).
 *
 * <p>The buffer ring is deliberately small (16 buffers of 1 KiB, as Netty's io_uring tests use), so that the
 * suite runs into an exhausted ring ({@code -ENOBUFS}) all the time. Override with
 * {@code -Dgetbuf.test.bufferRing.entries=N -Dgetbuf.test.bufferRing.bufferSize=BYTES}.
 *
 * <p>Every channel is made through {@link OpenChannels#tracking}, so what a test leaves open gets closed after it.
 */
public final class GetBufSocketTestPermutation extends SocketTestPermutation {

    public static final GetBufSocketTestPermutation INSTANCE = new GetBufSocketTestPermutation();

    static final int BOSS_THREADS = 2;
    static final int WORKER_THREADS = 3;
    static final int FAST_OPEN_PENDING = 16;
    static final int BUFFER_RING_ENTRIES = Integer.getInteger("getbuf.test.bufferRing.entries", 16);
    static final int BUFFER_RING_BUFFER_SIZE = Integer.getInteger("getbuf.test.bufferRing.bufferSize", 1024);

    private GetBufSocketTestPermutation() {
    }

    // Holder classes: a group (and its rings) exists only once a test class asks for it.
    private static final class PlainGroups {
        static final EventLoopGroup BOSS =
                newGroup("testsuite-getbuf-boss", BOSS_THREADS, GetBufIoHandler.newFactory());
        static final EventLoopGroup WORKER =
                newGroup("testsuite-getbuf-worker", WORKER_THREADS, GetBufIoHandler.newFactory());
    }

    private static final class BufferRingGroups {
        static final EventLoopGroup BOSS =
                newGroup("testsuite-getbuf-ring-boss", BOSS_THREADS, GetBufIoHandler.newFactory(bufferRingConfig()));
        static final EventLoopGroup WORKER =
                newGroup("testsuite-getbuf-ring-worker", WORKER_THREADS,
                        GetBufIoHandler.newFactory(bufferRingConfig()));
    }

    static GetBufIoHandlerConfig bufferRingConfig() {
        return new GetBufIoHandlerConfig().setBufferRing(
                new GetBufBufferRingConfig(BUFFER_RING_ENTRIES, BUFFER_RING_BUFFER_SIZE));
    }

    private static EventLoopGroup newGroup(String name, int threads, IoHandlerFactory factory) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
    }

    static EventLoopGroup bossGroup(boolean bufferRing) {
        return bufferRing ? BufferRingGroups.BOSS : PlainGroups.BOSS;
    }

    static EventLoopGroup workerGroup(boolean bufferRing) {
        return bufferRing ? BufferRingGroups.WORKER : PlainGroups.WORKER;
    }

    /**
     * Creates the shared groups a test class uses and starts every event loop thread in them (and in the NIO
     * group), so that the rings, eventfds and selectors they own exist before {@link GetBufTestExtension} counts
     * the class's file descriptors: a group created lazily in the middle of a class would look like a leak.
     */
    static void warmUp(boolean bufferRing) {
        startAll(INSTANCE.NIO_GROUP);
        startAll(bossGroup(false));
        startAll(workerGroup(false));
        if (bufferRing) {
            startAll(bossGroup(true));
            startAll(workerGroup(true));
        }
    }

    private static void startAll(EventLoopGroup group) {
        for (EventExecutor executor : group) {
            executor.submit(() -> { }).syncUninterruptibly();
        }
    }

    // ---- socket(): server x client, without NIO x NIO ----

    @Override
    public List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> socket() {
        return socket(false);
    }

    /** {@link #socket()}, with the buffer ring on every getbuf channel if {@code bufferRing}. */
    public List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> socket(boolean bufferRing) {
        return withoutNioNio(combo(serverSocket(bufferRing), clientSocket(bufferRing)));
    }

    /**
     * {@link #socket()} with every getbuf channel sending file regions with {@code fileStrategy}
     * ({@link GetBufChannelOption#FILE_STRATEGY}: clients and server children alike).
     */
    public List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> socket(GetBufFileStrategy fileStrategy) {
        List<BootstrapFactory<ServerBootstrap>> servers = serverSocket(false);
        BootstrapFactory<ServerBootstrap> getbufServer = servers.get(0);
        servers.set(0, () -> getbufServer.newInstance().childOption(GetBufChannelOption.FILE_STRATEGY, fileStrategy));
        List<BootstrapFactory<Bootstrap>> clients = clientSocket(false);
        BootstrapFactory<Bootstrap> getbufClient = clients.get(0);
        clients.set(0, () -> getbufClient.newInstance().option(GetBufChannelOption.FILE_STRATEGY, fileStrategy));
        return withoutNioNio(combo(servers, clients));
    }

    /**
     * Like {@link #socket()}, but every channel (getbuf and NIO) is opened for the given protocol family, so the
     * test runs over IPv4-only or IPv6-only sockets (the test must bind to an address of that family).
     */
    public List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> socket(SocketProtocolFamily family) {
        List<BootstrapFactory<ServerBootstrap>> servers = new ArrayList<>(2);
        servers.add(() -> new ServerBootstrap().group(bossGroup(false), workerGroup(false))
                .channelFactory(tracking("GetBufServerSocketChannel(" + family + ')',
                        () -> new GetBufServerSocketChannel(family))));
        servers.add(() -> new ServerBootstrap().group(NIO_GROUP, NIO_GROUP)
                .channelFactory(tracking("NioServerSocketChannel(" + family + ')',
                        () -> new NioServerSocketChannel(SelectorProvider.provider(), family))));
        List<BootstrapFactory<Bootstrap>> clients = new ArrayList<>(2);
        clients.add(() -> new Bootstrap().group(workerGroup(false))
                .channelFactory(tracking("GetBufSocketChannel(" + family + ')',
                        () -> new GetBufSocketChannel(family))));
        clients.add(() -> new Bootstrap().group(NIO_GROUP)
                .channelFactory(tracking("NioSocketChannel(" + family + ')',
                        () -> new NioSocketChannel(SelectorProvider.provider(), family))));
        return withoutNioNio(combo(servers, clients));
    }

    /**
     * {@link #socket()} with TCP Fast Open where the kernel offers it: getbuf clients connect with
     * {@code TCP_FASTOPEN_CONNECT} (sysctl {@code net.ipv4.tcp_fastopen} bit 1) and getbuf servers listen with
     * {@code TCP_FASTOPEN} (bit 2).
     */
    @Override
    public List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> socketWithFastOpen() {
        List<BootstrapFactory<ServerBootstrap>> servers = serverSocket(false);
        if (GetBuf.isTcpFastOpenServerSideAvailable()) {
            BootstrapFactory<ServerBootstrap> getbuf = servers.get(0);
            servers.set(0, () -> getbuf.newInstance().option(ChannelOption.TCP_FASTOPEN, FAST_OPEN_PENDING));
        }
        return withoutNioNio(combo(servers, clientSocketWithFastOpen()));
    }

    private static <A> List<A> withoutNioNio(List<A> combos) {
        // combo() iterates servers then clients; NIO is last in both lists, so NIO x NIO is the last combination.
        combos.remove(combos.size() - 1);
        return combos;
    }

    // ---- servers and clients ----

    @Override
    public List<BootstrapFactory<ServerBootstrap>> serverSocket() {
        return serverSocket(false);
    }

    /** getbuf server (children with the buffer ring if {@code bufferRing}), then NIO server. */
    public List<BootstrapFactory<ServerBootstrap>> serverSocket(boolean bufferRing) {
        List<BootstrapFactory<ServerBootstrap>> list = new ArrayList<>(2);
        list.add(() -> {
            ServerBootstrap sb = new ServerBootstrap().group(bossGroup(bufferRing), workerGroup(bufferRing))
                    .channelFactory(tracking("GetBufServerSocketChannel", GetBufServerSocketChannel::new));
            if (bufferRing) {
                sb.childOption(GetBufChannelOption.USE_BUFFER_RING, true);
            }
            return sb;
        });
        list.add(() -> new ServerBootstrap().group(NIO_GROUP, NIO_GROUP)
                .channelFactory(tracking("NioServerSocketChannel", NioServerSocketChannel::new)));
        return list;
    }

    @Override
    public List<BootstrapFactory<Bootstrap>> clientSocket() {
        return clientSocket(false);
    }

    /** getbuf client (with the buffer ring if {@code bufferRing}), then NIO client. */
    public List<BootstrapFactory<Bootstrap>> clientSocket(boolean bufferRing) {
        List<BootstrapFactory<Bootstrap>> list = new ArrayList<>(2);
        list.add(() -> {
            Bootstrap cb = new Bootstrap().group(workerGroup(bufferRing))
                    .channelFactory(tracking("GetBufSocketChannel", GetBufSocketChannel::new));
            if (bufferRing) {
                cb.option(GetBufChannelOption.USE_BUFFER_RING, true);
            }
            return cb;
        });
        list.add(() -> new Bootstrap().group(NIO_GROUP)
                .channelFactory(tracking("NioSocketChannel", NioSocketChannel::new)));
        return list;
    }

    @Override
    public List<BootstrapFactory<Bootstrap>> clientSocketWithFastOpen() {
        List<BootstrapFactory<Bootstrap>> list = clientSocket(false);
        if (GetBuf.isTcpFastOpenClientSideAvailable()) {
            BootstrapFactory<Bootstrap> getbuf = list.get(0);
            list.set(0, () -> getbuf.newInstance().option(ChannelOption.TCP_FASTOPEN_CONNECT, true));
        }
        return list;
    }

    /** Only the getbuf client, for tests whose assertions are about the getbuf channel alone. */
    public List<BootstrapFactory<Bootstrap>> clientSocketGetBufOnly(boolean bufferRing) {
        List<BootstrapFactory<Bootstrap>> list = clientSocket(bufferRing);
        list.remove(list.size() - 1);
        return list;
    }

    // ---- datagram (UDP) ----

    /**
     * getbuf and NIO datagram channels of {@code family}, combined both ways without NIO x NIO: getbuf/getbuf,
     * getbuf/NIO, NIO/getbuf (Netty's io_uring module combines its channel and NIO the same way).
     */
    @Override
    public List<BootstrapComboFactory<Bootstrap, Bootstrap>> datagram(SocketProtocolFamily family) {
        return withoutNioNio(combo(datagramBootstraps(family), datagramBootstraps(family)));
    }

    private List<BootstrapFactory<Bootstrap>> datagramBootstraps(SocketProtocolFamily family) {
        List<BootstrapFactory<Bootstrap>> list = new ArrayList<>(2);
        list.add(() -> new Bootstrap().group(workerGroup(false))
                .channelFactory(tracking("GetBufDatagramChannel(" + family + ')',
                        () -> new GetBufDatagramChannel(family))));
        list.add(() -> new Bootstrap().group(NIO_GROUP)
                .channelFactory(tracking("NioDatagramChannel(" + family + ')',
                        () -> new NioDatagramChannel(family))));
        return list;
    }

    /** A getbuf datagram channel of the default family, then NIO's (for client-only datagram tests). */
    @Override
    public List<BootstrapFactory<Bootstrap>> datagramSocket() {
        List<BootstrapFactory<Bootstrap>> list = new ArrayList<>(2);
        list.add(() -> new Bootstrap().group(workerGroup(false))
                .channelFactory(tracking("GetBufDatagramChannel", GetBufDatagramChannel::new)));
        list.add(() -> new Bootstrap().group(NIO_GROUP)
                .channelFactory(tracking("NioDatagramChannel", NioDatagramChannel::new)));
        return list;
    }

    /** Whether this host can bind a TCP socket to {@code address} (e.g. whether it has an IPv6 loopback). */
    static boolean canBind(InetAddress address) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(address, 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    // ---- Unix domain sockets ----
    // As Netty's io_uring and epoll modules: getbuf server x getbuf client only. NIO's domain sockets (JDK 16+) take
    // the JDK's UnixDomainSocketAddress, not Netty's DomainSocketAddress, so no address fits both.

    public List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> domainSocket() {
        return domainSocket(false);
    }

    /** {@link #domainSocket()}, with the buffer ring on every channel that receives data if {@code bufferRing}. */
    public List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> domainSocket(boolean bufferRing) {
        return combo(serverDomainSocket(bufferRing), clientDomainSocket(bufferRing));
    }

    public List<BootstrapFactory<ServerBootstrap>> serverDomainSocket() {
        return serverDomainSocket(false);
    }

    public List<BootstrapFactory<ServerBootstrap>> serverDomainSocket(boolean bufferRing) {
        List<BootstrapFactory<ServerBootstrap>> list = new ArrayList<>(1);
        list.add(() -> {
            ServerBootstrap sb = new ServerBootstrap().group(bossGroup(bufferRing), workerGroup(bufferRing))
                    .channelFactory(tracking("GetBufServerDomainSocketChannel", GetBufServerDomainSocketChannel::new));
            if (bufferRing) {
                sb.childOption(GetBufChannelOption.USE_BUFFER_RING, true);
            }
            return sb;
        });
        return list;
    }

    public List<BootstrapFactory<Bootstrap>> clientDomainSocket(boolean bufferRing) {
        List<BootstrapFactory<Bootstrap>> list = new ArrayList<>(1);
        list.add(() -> {
            Bootstrap cb = new Bootstrap().group(workerGroup(bufferRing))
                    .channelFactory(tracking("GetBufDomainSocketChannel", GetBufDomainSocketChannel::new));
            if (bufferRing) {
                cb.option(GetBufChannelOption.USE_BUFFER_RING, true);
            }
            return cb;
        });
        return list;
    }

    /** A fresh path in the temp directory, nothing there yet (the server binds it and deletes it on close). */
    public static DomainSocketAddress newDomainSocketAddress() {
        return UnixTestUtils.newDomainSocketAddress();
    }

    /** A fresh Linux abstract name (a leading NUL; no file). */
    public static DomainSocketAddress newAbstractDomainSocketAddress() {
        return new DomainSocketAddress("\0getbuf-test-" + UUID.randomUUID());
    }
}
