/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultAddressedEnvelope;
import io.netty.channel.IoRegistration;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.netty.channel.unix.Socket;
import io.netty.util.UncheckedBooleanSupplier;
import io.netty.util.internal.PlatformDependent;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.channels.NotYetConnectedException;

/**
 * A UDP channel on a getbuf event loop: Netty's {@link DatagramChannel}, connected or not, IPv4 or IPv6, its datagrams
 * received with {@code IORING_OP_RECVMSG} and sent with {@code IORING_OP_SENDMSG} through the loop's ring.
 *
 * <p>Batching: a read loop starts with one receive that waits in the kernel for a datagram; once one has come, the
 * channel submits up to {@value #RECV_SLOTS} receives at once with {@code MSG_DONTWAIT} (so they take what the socket
 * holds, or complete with -EAGAIN, instead of waiting), and goes on in such batches while the
 * {@link RecvByteBufAllocator} wants more and none came back empty. A flush submits up to {@value #SEND_SLOTS}
 * SENDMSGs at once, one per datagram; the next batch goes when all of them have completed, and they are removed from
 * the outbound buffer in order. Every batch reaches the kernel in one {@code io_uring_enter}.
 *
 * <p>{@link SegmentedDatagramPacket}s go out with a {@code UDP_SEGMENT} control message (GSO, Linux 4.18+, see
 * {@link #isSegmentedDatagramPacketSupported()}); with {@link GetBufChannelOption#UDP_GRO} on, a coalesced receive
 * is split into one {@link DatagramPacket} per datagram again.
 */
public final class GetBufDatagramChannel extends AbstractGetBufChannel implements DatagramChannel {
    private static final ChannelMetadata DATAGRAM_METADATA = new ChannelMetadata(true, 16);

    static final int RECV_SLOTS = 8;
    static final int SEND_SLOTS = 16;

    // one slot: struct msghdr, one iovec, the peer's sockaddr and the control (cmsg) buffer
    private static final int OFF_IOV = 56;
    private static final int OFF_NAME = 72;
    private static final int NAME_SIZE = 32;
    private static final int OFF_CONTROL = 104;
    private static final int CONTROL_SIZE = 64;
    private static final int SLOT_SIZE = 168;

    private static final int CMSG_HDR = 16;
    private static final int ERRNO_ECONNREFUSED = 111;

    private static final boolean SEGMENT_SUPPORTED;
    private static final boolean GRO_SUPPORTED;

    static {
        boolean segment = false;
        boolean gro = false;
        if (Native.loadFailure() == null) {
            // feature probe: a kernel without the option refuses its getsockopt (ENOPROTOOPT)
            GetBufSocket probe = null;
            try {
                probe = GetBufSocket.newDatagram(false);
                segment = probe(probe, DatagramSocketOptions.UDP_SEGMENT);
                gro = probe(probe, DatagramSocketOptions.UDP_GRO);
            } catch (Throwable ignore) {
                // no UDP socket at all: neither
            } finally {
                if (probe != null) {
                    try {
                        probe.close();
                    } catch (IOException ignore) {
                        // nothing to do
                    }
                }
            }
        }
        SEGMENT_SUPPORTED = segment;
        GRO_SUPPORTED = gro;
    }

    private static boolean probe(Socket socket, int optname) {
        try {
            socket.getIntOpt(DatagramSocketOptions.SOL_UDP, optname);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@return whether this kernel sends {@link SegmentedDatagramPacket}s ({@code UDP_SEGMENT}, Linux 4.18+)} */
    public static boolean isSegmentedDatagramPacketSupported() {
        return SEGMENT_SUPPORTED;
    }

    /** {@return whether this kernel offers {@code UDP_GRO} (Linux 5.0+): see {@link GetBufChannelOption#UDP_GRO}} */
    public static boolean isUdpGroSupported() {
        return GRO_SUPPORTED;
    }

    private final GetBufDatagramChannelConfig config;
    private volatile boolean connected;

    // native memory: RECV_SLOTS receive slots, then SEND_SLOTS send slots (allocated on first use, freed once every
    // operation has reported back)
    private long slots;

    // receives
    private final ByteBuf[] recvBufs = new ByteBuf[RECV_SLOTS];
    private final long[] recvOps = new long[RECV_SLOTS];
    private int recvsInFlight;
    private boolean batchSawEmpty;
    private int messagesThisLoop;
    private boolean readLoopHasData;
    private boolean inReadLoop;

    // sends: one batch at a time
    private final ByteBuf[] sendBufs = new ByteBuf[SEND_SLOTS];
    private final long[] sendOps = new long[SEND_SLOTS];
    private final int[] sendResults = new int[SEND_SLOTS];
    private int sendBatch;
    private int sendsInFlight;
    private boolean inWriteComplete;

    /**
     * A new, unbound UDP channel, IPv6 (dual stack: IPv4 peers too) where the system prefers it, else IPv4.
     *
     * @throws io.netty.channel.ChannelException if the socket cannot be created (no descriptor left)
     */
    public GetBufDatagramChannel() {
        this((SocketProtocolFamily) null);
    }

    /**
     * A new, unbound UDP channel of {@code family}.
     *
     * @param family {@link SocketProtocolFamily#INET} or {@link SocketProtocolFamily#INET6}; {@code null} for IPv6
     *               where the system prefers it, else IPv4
     * @throws IllegalArgumentException          for {@link SocketProtocolFamily#UNIX}
     * @throws io.netty.channel.ChannelException if the socket cannot be created (no descriptor left)
     */
    public GetBufDatagramChannel(SocketProtocolFamily family) {
        this(GetBufSocket.newDatagram(GetBufSocket.ipv6For(family,
                "another transport's domain datagram channel (getbuf has none)")));
    }

    /**
     * A new, unbound UDP channel of {@code family}, as Netty's older constructors take it.
     *
     * @param family {@link InternetProtocolFamily#IPv4} or {@link InternetProtocolFamily#IPv6}; {@code null} as in
     *               {@link #GetBufDatagramChannel(SocketProtocolFamily)}
     * @deprecated use {@link #GetBufDatagramChannel(SocketProtocolFamily)}
     */
    @Deprecated
    public GetBufDatagramChannel(InternetProtocolFamily family) {
        this(family == null ? null : family.toSocketProtocolFamily());
    }

    private GetBufDatagramChannel(GetBufSocket socket) {
        super(null, socket, false);
        config = new GetBufDatagramChannelConfig(this, socket);
    }

    @Override
    public ChannelMetadata metadata() {
        return DATAGRAM_METADATA;
    }

    @Override
    public GetBufDatagramChannelConfig config() {
        return config;
    }

    @Override
    public boolean isActive() {
        return socket.isOpen() && (active || config.isActiveOnOpen() && isRegistered());
    }

    @Override
    public boolean isConnected() {
        return connected;
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) super.remoteAddress();
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new DatagramUnsafe();
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        if (localAddress instanceof InetSocketAddress) {
            InetSocketAddress a = (InetSocketAddress) localAddress;
            if (a.getAddress().isAnyLocalAddress() && a.getAddress() instanceof java.net.Inet4Address
                    && socket.isIpv6()) {
                // "0.0.0.0" on a dual-stack socket means every address, as it does for Netty's other transports
                localAddress = new InetSocketAddress(InetAddress.getByName("::"), a.getPort());
            }
        }
        super.doBind(localAddress);
        active = true;
    }

    @Override
    protected void doDisconnect() throws Exception {
        socket.disconnect();
        connected = false;
        remote = null;
        local = socket.localAddress();
    }

    // ---- multicast ----

    @Override
    public ChannelFuture joinGroup(InetAddress multicastAddress) {
        return joinGroup(multicastAddress, newPromise());
    }

    @Override
    public ChannelFuture joinGroup(InetAddress multicastAddress, ChannelPromise promise) {
        return joinGroup(multicastAddress, defaultInterface(), null, promise);
    }

    @Override
    public ChannelFuture joinGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface) {
        return joinGroup(multicastAddress, networkInterface, newPromise());
    }

    @Override
    public ChannelFuture joinGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface,
                                   ChannelPromise promise) {
        return joinGroup(multicastAddress.getAddress(), networkInterface, null, promise);
    }

    @Override
    public ChannelFuture joinGroup(InetAddress multicastAddress, NetworkInterface networkInterface,
                                   InetAddress source) {
        return joinGroup(multicastAddress, networkInterface, source, newPromise());
    }

    @Override
    public ChannelFuture joinGroup(InetAddress multicastAddress, NetworkInterface networkInterface,
                                   InetAddress source, ChannelPromise promise) {
        return membership(true, multicastAddress, networkInterface, source, promise);
    }

    @Override
    public ChannelFuture leaveGroup(InetAddress multicastAddress) {
        return leaveGroup(multicastAddress, newPromise());
    }

    @Override
    public ChannelFuture leaveGroup(InetAddress multicastAddress, ChannelPromise promise) {
        return leaveGroup(multicastAddress, defaultInterface(), null, promise);
    }

    @Override
    public ChannelFuture leaveGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface) {
        return leaveGroup(multicastAddress, networkInterface, newPromise());
    }

    @Override
    public ChannelFuture leaveGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface,
                                    ChannelPromise promise) {
        return leaveGroup(multicastAddress.getAddress(), networkInterface, null, promise);
    }

    @Override
    public ChannelFuture leaveGroup(InetAddress multicastAddress, NetworkInterface networkInterface,
                                    InetAddress source) {
        return leaveGroup(multicastAddress, networkInterface, source, newPromise());
    }

    @Override
    public ChannelFuture leaveGroup(InetAddress multicastAddress, NetworkInterface networkInterface,
                                    InetAddress source, ChannelPromise promise) {
        return membership(false, multicastAddress, networkInterface, source, promise);
    }

    @Override
    public ChannelFuture block(InetAddress multicastAddress, NetworkInterface networkInterface,
                               InetAddress sourceToBlock) {
        return block(multicastAddress, networkInterface, sourceToBlock, newPromise());
    }

    @Override
    public ChannelFuture block(InetAddress multicastAddress, NetworkInterface networkInterface,
                               InetAddress sourceToBlock, ChannelPromise promise) {
        if (multicastAddress == null || sourceToBlock == null) {
            promise.setFailure(new NullPointerException("multicastAddress and sourceToBlock are required"));
            return promise;
        }
        try {
            DatagramSocketOptions.block(socket, multicastAddress, networkInterface, sourceToBlock);
            promise.setSuccess();
        } catch (IOException e) {
            promise.setFailure(e);
        }
        return promise;
    }

    @Override
    public ChannelFuture block(InetAddress multicastAddress, InetAddress sourceToBlock) {
        return block(multicastAddress, sourceToBlock, newPromise());
    }

    @Override
    public ChannelFuture block(InetAddress multicastAddress, InetAddress sourceToBlock, ChannelPromise promise) {
        return block(multicastAddress, defaultInterface(), sourceToBlock, promise);
    }

    private ChannelFuture membership(boolean join, InetAddress group, NetworkInterface iface, InetAddress source,
                                     ChannelPromise promise) {
        if (group == null) {
            promise.setFailure(new NullPointerException("multicastAddress"));
            return promise;
        }
        try {
            DatagramSocketOptions.membership(socket, join, group, iface, source);
            promise.setSuccess();
        } catch (IOException e) {
            promise.setFailure(e);
        }
        return promise;
    }

    /** The interface of IP_MULTICAST_IF, else that of the bound address, else null (the kernel picks by route). */
    private NetworkInterface defaultInterface() {
        try {
            NetworkInterface iface = DatagramSocketOptions.getMulticastInterface(socket);
            if (iface != null) {
                return iface;
            }
            InetSocketAddress bound = localAddress();
            if (bound != null && !bound.getAddress().isAnyLocalAddress()) {
                return NetworkInterface.getByInetAddress(bound.getAddress());
            }
        } catch (IOException e) {
            // fall through: the kernel's choice
        }
        return null;
    }

    // ---- outbound ----

    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (msg instanceof SegmentedDatagramPacket) {
            if (!SEGMENT_SUPPORTED) {
                throw new UnsupportedOperationException(
                        "unsupported message type: SegmentedDatagramPacket (this kernel has no UDP_SEGMENT)");
            }
            SegmentedDatagramPacket packet = (SegmentedDatagramPacket) msg;
            checkRecipient(packet.recipient());
            return isUsable(packet.content()) ? packet : packet.replace(direct(packet.content()));
        }
        if (msg instanceof DatagramPacket) {
            DatagramPacket packet = (DatagramPacket) msg;
            checkRecipient(packet.recipient());
            return isUsable(packet.content()) ? packet : new DatagramPacket(direct(packet.content()),
                    packet.recipient());
        }
        if (msg instanceof ByteBuf) {
            if (!connected) {
                throw new NotYetConnectedException();
            }
            ByteBuf buf = (ByteBuf) msg;
            return isUsable(buf) ? buf : direct(buf);
        }
        if (msg instanceof AddressedEnvelope) {
            @SuppressWarnings("unchecked")
            AddressedEnvelope<Object, SocketAddress> e = (AddressedEnvelope<Object, SocketAddress>) msg;
            if (e.content() instanceof ByteBuf
                    && (e.recipient() == null || e.recipient() instanceof InetSocketAddress)) {
                if (e.recipient() != null) {
                    checkRecipient((InetSocketAddress) e.recipient());
                } else if (!connected) {
                    throw new NotYetConnectedException();
                }
                ByteBuf content = (ByteBuf) e.content();
                return isUsable(content) ? e : new DefaultAddressedEnvelope<>(direct(content),
                        (InetSocketAddress) e.recipient());
            }
        }
        throw new UnsupportedOperationException("unsupported message type: " + msg.getClass().getName()
                + " (expected DatagramPacket, AddressedEnvelope<ByteBuf, InetSocketAddress> or ByteBuf)");
    }

    private static void checkRecipient(InetSocketAddress recipient) {
        if (recipient != null && recipient.isUnresolved()) {
            throw new java.nio.channels.UnresolvedAddressException();
        }
    }

    /** The kernel reads one iovec from a raw address: anything else is copied to one direct buffer. */
    private static boolean isUsable(ByteBuf buf) {
        return buf.hasMemoryAddress();
    }

    private ByteBuf direct(ByteBuf buf) {
        ByteBufAllocator alloc = alloc();
        ByteBuf direct = alloc.directBuffer(Math.max(1, buf.readableBytes()));
        if (!direct.hasMemoryAddress()) {
            direct.release();
            direct = io.netty.buffer.UnpooledByteBufAllocator.DEFAULT.directBuffer(Math.max(1, buf.readableBytes()));
        }
        direct.writeBytes(buf, buf.readerIndex(), buf.readableBytes());
        buf.release();
        return direct;
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) {
        // a batch in flight, or its completion removing messages (whose listeners may flush): the batch's end
        // submits what is flushed meanwhile
        if (sendsInFlight == 0 && !inWriteComplete) {
            scheduleSends(in);
        }
    }

    private void scheduleSends(ChannelOutboundBuffer in) {
        if (!canSubmit() || in.isEmpty()) {
            return;
        }
        ensureSlots();
        sendBatch = 0;
        try {
            in.forEachFlushedMessage(msg -> {
                submitSend(sendBatch, msg);
                // counted as each goes in: should a later one throw, the completions of these still find their slots
                sendBatch++;
                sendsInFlight++;
                return sendBatch < SEND_SLOTS;
            });
        } catch (Exception e) {
            throw new IllegalStateException(e); // submitSend throws nothing checked
        }
    }

    private void submitSend(int slot, Object msg) {
        ByteBuf content;
        InetSocketAddress recipient;
        int segmentSize = 0;
        if (msg instanceof AddressedEnvelope) {
            @SuppressWarnings("unchecked")
            AddressedEnvelope<ByteBuf, InetSocketAddress> e = (AddressedEnvelope<ByteBuf, InetSocketAddress>) msg;
            content = e.content();
            recipient = e.recipient();
            if (msg instanceof SegmentedDatagramPacket) {
                segmentSize = ((SegmentedDatagramPacket) msg).segmentSize();
            }
        } else {
            content = (ByteBuf) msg;
            recipient = null;
        }
        long hdr = sendSlot(slot);
        long iov = hdr + OFF_IOV;
        long name = hdr + OFF_NAME;
        long control = hdr + OFF_CONTROL;
        PlatformDependent.setMemory(hdr, SLOT_SIZE, (byte) 0);
        if (recipient != null) {
            int len = Sockaddr.write(name, recipient, socket.isIpv6());
            PlatformDependent.putLong(hdr, name);
            PlatformDependent.putInt(hdr + 8, len);
        }
        PlatformDependent.putLong(iov, content.memoryAddress() + content.readerIndex());
        PlatformDependent.putLong(iov + 8, content.readableBytes());
        PlatformDependent.putLong(hdr + 16, iov);
        PlatformDependent.putLong(hdr + 24, 1);
        if (segmentSize > 0) {
            // cmsg(SOL_UDP, UDP_SEGMENT, u16 segment size): CMSG_LEN(2) = 18, CMSG_SPACE(2) = 24
            PlatformDependent.putLong(control, CMSG_HDR + 2);
            PlatformDependent.putInt(control + 8, DatagramSocketOptions.SOL_UDP);
            PlatformDependent.putInt(control + 12, DatagramSocketOptions.UDP_SEGMENT);
            PlatformDependent.putShort(control + CMSG_HDR, (short) segmentSize);
            PlatformDependent.putLong(hdr + 32, control);
            PlatformDependent.putLong(hdr + 40, CMSG_HDR + 8);
        }
        // the kernel reads the bytes until the completion: the outbound buffer may release the message before that
        // (a close fails it), so the send holds its own reference
        sendBufs[slot] = content.retain();
        sendResults[slot] = 0;
        sendOps[slot] = registration.submit(ops.sendmsg(socket.intValue(), hdr, 0,
                (short) (DATA_DGRAM_SEND | slot << DATA_STEP_SHIFT)));
    }

    // ---- inbound ----

    @Override
    protected void doBeginRead() {
        readPending = true;
        if (inReadLoop || recvsInFlight != 0) {
            return; // the receives in flight, or the completion being delivered, decide what comes next
        }
        if (isActive()) {
            startReadLoop();
        }
    }

    private void startReadLoop() {
        if (!canSubmit()) {
            return;
        }
        RecvByteBufAllocator.Handle handle = unsafe().recvBufAllocHandle();
        handle.reset(config);
        messagesThisLoop = 0;
        readLoopHasData = false;
        batchSawEmpty = false;
        ensureSlots();
        readOp = submitRecv(0, false);
        recvOps[0] = readOp;
        recvsInFlight = 1;
    }

    /** A receive into slot {@code slot}; {@code now}: MSG_DONTWAIT, else it waits in the kernel for a datagram. */
    private long submitRecv(int slot, boolean now) {
        RecvByteBufAllocator.Handle handle = unsafe().recvBufAllocHandle();
        ByteBuf buf = handle.allocate(alloc());
        if (!buf.hasMemoryAddress()) {
            int size = buf.writableBytes();
            buf.release();
            buf = io.netty.buffer.UnpooledByteBufAllocator.DEFAULT.directBuffer(size);
        }
        recvBufs[slot] = buf;
        handle.attemptedBytesRead(buf.writableBytes());
        long hdr = recvSlot(slot);
        long iov = hdr + OFF_IOV;
        PlatformDependent.setMemory(hdr, OFF_CONTROL, (byte) 0);
        PlatformDependent.putLong(hdr, hdr + OFF_NAME);
        PlatformDependent.putInt(hdr + 8, NAME_SIZE);
        PlatformDependent.putLong(iov, buf.memoryAddress() + buf.writerIndex());
        PlatformDependent.putLong(iov + 8, buf.writableBytes());
        PlatformDependent.putLong(hdr + 16, iov);
        PlatformDependent.putLong(hdr + 24, 1);
        if (config.isUdpGro()) {
            PlatformDependent.putLong(hdr + 32, hdr + OFF_CONTROL);
            PlatformDependent.putLong(hdr + 40, CONTROL_SIZE);
        }
        return registration.submit(ops.recvmsg(socket.intValue(), hdr, now ? Native.MSG_DONTWAIT : 0, false,
                (short) (DATA_DGRAM_RECV | slot << DATA_STEP_SHIFT)));
    }

    @Override
    void cancelOperations(IoRegistration r) {
        readOp = 0; // cancelled with the others below
        for (int i = 0; i < RECV_SLOTS; i++) {
            if (recvBufs[i] != null) {
                cancel(r, recvOps[i]);
            }
        }
        for (int i = 0; i < SEND_SLOTS; i++) {
            if (sendBufs[i] != null) {
                cancel(r, sendOps[i]);
            }
        }
    }

    @Override
    void registeredActive() {
        // moved here from another loop: go on reading and sending
        if (isActive()) {
            if (config.isAutoRead() || readPending) {
                doBeginRead();
            }
            ChannelOutboundBuffer in = unsafe().outboundBuffer();
            if (in != null) {
                doWrite(in);
            }
        }
    }

    private void ensureSlots() {
        if (slots == 0) {
            slots = PlatformDependent.allocateMemory((long) (RECV_SLOTS + SEND_SLOTS) * SLOT_SIZE);
        }
    }

    private long recvSlot(int slot) {
        return slots + (long) slot * SLOT_SIZE;
    }

    private long sendSlot(int slot) {
        return slots + (long) (RECV_SLOTS + slot) * SLOT_SIZE;
    }

    private static InetSocketAddress readSockaddr(long addr) throws IOException {
        short family = PlatformDependent.getShort(addr);
        int port = (PlatformDependent.getByte(addr + 2) & 0xff) << 8 | PlatformDependent.getByte(addr + 3) & 0xff;
        byte[] ip;
        if (family == 2) {
            ip = new byte[4];
            PlatformDependent.copyMemory(addr + 4, ip, 0, 4);
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        }
        if (family == 10) {
            ip = new byte[16];
            PlatformDependent.copyMemory(addr + 8, ip, 0, 16);
            int scope = PlatformDependent.getInt(addr + 24);
            // a v4-mapped address comes back as the IPv4 address it maps
            InetAddress a = InetAddress.getByAddress(ip);
            if (scope != 0 && a instanceof java.net.Inet6Address) {
                a = java.net.Inet6Address.getByAddress(null, ip, scope);
            }
            return new InetSocketAddress(a, port);
        }
        return null;
    }

    /** The UDP_GRO segment size in the control messages of the msghdr at {@code hdr}, or 0. */
    private static int groSegmentSize(long hdr) {
        long control = PlatformDependent.getLong(hdr + 32);
        long controlLen = PlatformDependent.getLong(hdr + 40);
        long p = control;
        while (control != 0 && p + CMSG_HDR <= control + controlLen) {
            long len = PlatformDependent.getLong(p);
            if (len < CMSG_HDR) {
                break;
            }
            if (PlatformDependent.getInt(p + 8) == DatagramSocketOptions.SOL_UDP
                    && PlatformDependent.getInt(p + 12) == DatagramSocketOptions.UDP_GRO) {
                return PlatformDependent.getInt(p + CMSG_HDR);
            }
            p += (len + 7) & ~7L;
        }
        return 0;
    }

    final class DatagramUnsafe extends AbstractGetBufUnsafe {
        @Override
        public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
            if (!promise.setUncancellable() || !ensureOpen(promise)) {
                return;
            }
            try {
                if (!(remoteAddress instanceof InetSocketAddress)) {
                    throw new UnsupportedOperationException("unsupported address type: " + remoteAddress);
                }
                InetSocketAddress r = (InetSocketAddress) remoteAddress;
                if (r.isUnresolved()) {
                    throw new java.nio.channels.UnresolvedAddressException();
                }
                boolean wasActive = isActive();
                if (localAddress != null) {
                    doBind(localAddress);
                }
                // a UDP connect only records the peer: it completes at once
                socket.connect(r);
                connected = true;
                active = true;
                local = socket.localAddress();
                remote = socket.remoteAddress();
                if (remote == null) {
                    remote = r;
                }
                promise.trySuccess();
                if (!wasActive && isActive()) {
                    pipeline().fireChannelActive();
                }
            } catch (Throwable t) {
                closeIfClosed();
                promise.tryFailure(t instanceof IOException
                        ? annotate(t, remoteAddress) : t);
            }
        }

        private Throwable annotate(Throwable t, SocketAddress remoteAddress) {
            SocketException e = new SocketException(t.getMessage() + ": " + remoteAddress);
            e.initCause(t);
            return e;
        }

        @Override
        void datagramSendComplete(int slot, int res, int flags) {
            ByteBuf buf = sendBufs[slot];
            sendBufs[slot] = null;
            if (buf != null) {
                buf.release();
            }
            sendResults[slot] = res;
            if (--sendsInFlight != 0) {
                return;
            }
            ChannelOutboundBuffer in = outboundBuffer();
            if (in == null) {
                return; // closed: the outbound buffer failed what it held
            }
            int n = sendBatch;
            sendBatch = 0;
            inWriteComplete = true;
            try {
                for (int i = 0; i < n; i++) {
                    int r = sendResults[i];
                    if (r == -Native.ERRNO_ECANCELED) {
                        break; // deregistered: the next registration sends it and what follows
                    }
                    if (r >= 0) {
                        in.remove();
                    } else {
                        // a datagram that could not be sent fails its own write; the channel goes on
                        in.remove(sendException(r));
                    }
                }
            } finally {
                inWriteComplete = false;
            }
            if (isOpen() && sendsInFlight == 0 && !in.isEmpty()) {
                scheduleSends(in);
            }
        }

        private IOException sendException(int res) {
            if (res == -ERRNO_ECONNREFUSED) {
                return new PortUnreachableException("sendmsg: port unreachable (" + remote + ')');
            }
            return Errors.newIOException("sendmsg", res);
        }

        @Override
        void datagramRecvComplete(int slot, int res, int flags) {
            recvsInFlight--;
            ByteBuf buf = recvBufs[slot];
            recvBufs[slot] = null;
            if (slot == 0 && recvOps[0] == readOp) {
                readOp = 0;
            }
            if (!isOpen()) {
                buf.release();
                return;
            }
            RecvByteBufAllocator.Handle handle = recvBufAllocHandle();
            if (res >= 0) {
                deliver(slot, buf, res, handle);
            } else {
                buf.release();
                if (res == -Native.ERRNO_EAGAIN) {
                    batchSawEmpty = true;
                } else if (res == -Native.ERRNO_ECANCELED) {
                    batchSawEmpty = true;
                    if (recvsInFlight == 0) {
                        // AUTO_READ cleared, deregistered or closed: read again if asked meanwhile
                        if (readLoopHasData) {
                            readLoopHasData = false;
                            handle.readComplete();
                            pipeline().fireChannelReadComplete();
                        }
                        if (isActive() && (readPending || config.isAutoRead()) && canSubmit()) {
                            startReadLoop();
                        }
                    }
                    return;
                } else if (res == -ERRNO_ECONNREFUSED) {
                    // an ICMP port unreachable for an earlier send of a connected channel: the channel goes on
                    batchSawEmpty = true;
                    pipeline().fireExceptionCaught(new PortUnreachableException(
                            "recvmsg: port unreachable (" + remote + ')'));
                } else {
                    batchSawEmpty = true;
                    pipeline().fireExceptionCaught(Errors.newIOException("recvmsg", res));
                    close(voidPromise());
                    return;
                }
            }
            if (recvsInFlight == 0 && isOpen()) {
                nextReceives(handle);
            }
        }

        private void deliver(int slot, ByteBuf buf, int res, RecvByteBufAllocator.Handle handle) {
            long hdr = recvSlot(slot);
            buf.writerIndex(buf.writerIndex() + res);
            InetSocketAddress sender;
            try {
                sender = readSockaddr(hdr + OFF_NAME);
            } catch (IOException e) {
                buf.release();
                pipeline().fireExceptionCaught(e);
                return;
            }
            if (sender == null) {
                sender = remote instanceof InetSocketAddress ? (InetSocketAddress) remote : null;
            }
            int segment = config.isUdpGro() ? groSegmentSize(hdr) : 0;
            handle.lastBytesRead(Math.max(res, 1)); // an empty datagram is a message too
            handle.incMessagesRead(1);
            messagesThisLoop++;
            readPending = false;
            readLoopHasData = true;
            InetSocketAddress recipient = GetBufDatagramChannel.this.localAddress();
            ChannelPipeline pipeline = pipeline();
            inReadLoop = true;
            try {
                if (segment > 0 && res > segment) {
                    // GRO coalesced several datagrams of one flow: one packet each again
                    while (buf.isReadable()) {
                        int len = Math.min(segment, buf.readableBytes());
                        pipeline.fireChannelRead(new DatagramPacket(buf.readRetainedSlice(len), recipient, sender));
                    }
                    buf.release();
                } else {
                    pipeline.fireChannelRead(new DatagramPacket(buf, recipient, sender));
                }
            } finally {
                inReadLoop = false;
            }
        }

        /** Every receive of the batch has completed: another batch, or the end of the read loop. */
        private void nextReceives(RecvByteBufAllocator.Handle handle) {
            boolean more = !batchSawEmpty && isActive() && canSubmit()
                    && (handle instanceof RecvByteBufAllocator.ExtendedHandle
                        ? ((RecvByteBufAllocator.ExtendedHandle) handle).continueReading(
                                UncheckedBooleanSupplier.TRUE_SUPPLIER)
                        : handle.continueReading());
            if (more) {
                int k = Math.min(RECV_SLOTS, config.getMaxMessagesPerRead() - messagesThisLoop);
                if (k > 0) {
                    for (int i = 0; i < k; i++) {
                        recvOps[i] = submitRecv(i, true);
                    }
                    recvsInFlight = k;
                    return;
                }
            }
            if (readLoopHasData) {
                readLoopHasData = false;
                handle.readComplete();
                pipeline().fireChannelReadComplete();
            }
            if (isActive() && recvsInFlight == 0 && (config.isAutoRead() || readPending)) {
                startReadLoop();
            }
        }

        @Override
        void freeResources() {
            for (int i = 0; i < RECV_SLOTS; i++) {
                if (recvBufs[i] != null) {
                    recvBufs[i].release();
                    recvBufs[i] = null;
                }
            }
            for (int i = 0; i < SEND_SLOTS; i++) {
                if (sendBufs[i] != null) {
                    sendBufs[i].release();
                    sendBufs[i] = null;
                }
            }
            if (slots != 0) {
                PlatformDependent.freeMemory(slots);
                slots = 0;
            }
        }
    }
}
