/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoop;
import io.netty.channel.FileRegion;
import io.netty.channel.IoRegistration;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.IovArray;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.UncheckedBooleanSupplier;
import io.netty.util.concurrent.Future;
import io.netty.util.internal.PlatformDependent;
import io.netty.util.internal.SystemPropertyUtil;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A stream connection driven by io_uring, what TCP ({@link GetBufSocketChannel}) and Unix domain sockets
 * ({@link GetBufDomainSocketChannel}) share: recv (plain, or multishot from the event loop's provided-buffer ring),
 * send / writev, file regions, connect, all as ring operations. A write in flight holds its own references to the
 * buffers it sends, so closing or shutting down the channel while the kernel still reads them is safe: the buffers
 * are released when the write completes. What differs per address family is left to the subclasses: the address
 * written for CONNECT, the addresses read back, whether zero-copy sends and readiness reads apply, and messages
 * other than bytes and file regions.
 */
abstract class AbstractGetBufStreamChannel extends AbstractGetBufChannel implements DuplexChannel {
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_MORE = 0x8000;
    private static final int MSG_WAITALL = 0x100;
    // struct msghdr (x86_64): name, namelen, iov, iovlen, control, controllen, flags
    private static final int SIZEOF_MSGHDR = 56;
    private static final int MSGHDR_IOV = 16;
    private static final int MSGHDR_IOVLEN = 24;
    private static final int FILE_CHUNK = 64 * 1024;
    private static final int POLLIN = 0x0001;
    private static final int POLLRDHUP = 0x2000;
    // the multishot POLLIN poll of readiness reads (see submitRead)
    private static final int POLL_IN_NONE = 0;
    private static final int POLL_IN_ARMED = 1;
    private static final int POLL_IN_CANCELLING = 2;
    /**
     * How plain reads wait for data (see readinessRead): {@code adaptive} (the default) waits on
     * a multishot POLLIN poll while the event loop is busy and parks recvs while it is not;
     * {@code always} / {@code never} fix one way (for comparison and tests). Kernels without
     * multishot recv (before 6.0; IORING_CQE_F_SOCK_NONEMPTY, which readiness reads rely on,
     * is older) always park.
     */
    static final String READINESS_PROPERTY = "io.getbuf.transport.readinessReads";
    private static final int READINESS_NEVER = 0;
    private static final int READINESS_ADAPTIVE = 1;
    private static final int READINESS_ALWAYS = 2;
    private static final int READINESS = readinessMode();

    private static int readinessMode() {
        if (!GetBuf.isRecvMultishotSupported()) {
            return READINESS_NEVER;
        }
        String mode = SystemPropertyUtil.get(READINESS_PROPERTY, "adaptive").trim().toLowerCase(Locale.ROOT);
        switch (mode) {
            case "never":
            case "false":
                return READINESS_NEVER;
            case "always":
            case "true":
                return READINESS_ALWAYS;
            default:
                return READINESS_ADAPTIVE;
        }
    }

    // read state
    private ByteBuf readBuf;          // owned by the plain recv in flight
    private boolean readMultishot;    // the read in flight is a buffer-ring multishot recv
    private boolean ringExhaustedReported;
    private boolean inputShutdownSeen;
    private boolean inReadLoop;       // a read completion is being delivered to the pipeline
    private boolean socketEmpty;      // nothing to read as far as we know: the last recv left nothing
                                      // behind (no IORING_CQE_F_SOCK_NONEMPTY) and no POLLIN came since
    private boolean peerShutdown;     // the peer shut its output down (RDHUP or EOF seen)
    private long pollOp;              // POLLRDHUP watch: the peer's FIN is seen even with no read pending
    private int pollInState;          // POLL_IN_*: the multishot POLLIN poll readiness reads wait on
    private long pollInOp;
    private boolean pollInFailed;     // the kernel refused to keep a multishot poll armed
    private boolean pollInEndedOnData; // the last poll ended (no IORING_CQE_F_MORE) reporting POLLIN
    private boolean pollInDuringRead; // a POLLIN came while a recv was in flight: data may have followed it
    private boolean readLoopHasData;  // the current read loop delivered bytes (for -EAGAIN ending it)
    private boolean inputEndReported;
    private long bytesRead;           // diagnostics (stateForTests)
    private long readCompletions;

    // write state
    long writeOp;
    private boolean inWriteComplete;
    private final List<ByteBuf> writing = new ArrayList<>(); // references the write in flight owns
    private IovArray iov;
    private final ChannelOutboundBuffer.MessageProcessor gatherWritev = this::gatherWritev;
    private FileRegion regionAfterGather; // the file region with bytes to send the last gather stopped at, or null
    private boolean linkingWrite;       // a transfer is submitting the operations linked behind writeOp
    private long linkedWrites;          // writes submitted with a transfer's operations linked behind them
    private long msghdr;             // struct msghdr of MSG_MORE sends (see submitWritev)
    private ByteBuf fileChunk;        // bytes of the current custom FileRegion read but not yet sent
    private FileTransfer fileTransfer; // the DefaultFileRegion being sent, until its last operation is back
    // per strategy, the last transfer that ended: started again for the next region (no allocation per response)
    private final FileTransfer[] spareTransfers = new FileTransfer[GetBufFileStrategy.values().length];
    private DefaultFileRegion fellBack; // a region whose transfer ended with a FallBack: its rest goes by sendfile
    private final TransferHost fileTransferHost = new TransferHost();
    private final GetBufFileSendStats fileSendStats = new GetBufFileSendStats();
    private final ZeroCopySends zeroCopySends = new ZeroCopySends();
    private boolean inScheduleWrite;
    private long bytesWritten;        // diagnostics (stateForTests): bytes the kernel took from writes of buffers
    private int registrationsSeen;

    // connect state
    private long connectOp;
    private ChannelPromise connectPromise;
    private ScheduledFuture<?> connectTimeout;
    private SocketAddress requestedRemote;
    private long sockaddrMemory;

    AbstractGetBufStreamChannel(Channel parent, GetBufSocket socket, boolean active) {
        super(parent, socket, active);
    }

    /** The options the stream machinery reads (the subclass's config). */
    @Override
    public abstract StreamConfig config();

    /** What {@link AbstractGetBufStreamChannel} needs of a channel's config beyond {@link ChannelConfig}. */
    interface StreamConfig extends ChannelConfig {
        boolean isAllowHalfClosure();

        boolean isUseBufferRing();

        GetBufFileStrategy getFileStrategy();
    }

    // ---- what differs per address family ----

    /** Room for the largest socket address {@link #writeSockaddr} writes. */
    abstract int sockaddrCapacity();

    /**
     * Writes {@code remote} as a {@code struct sockaddr} at {@code addr} for CONNECT and returns its length; throws
     * for an address this channel cannot connect to.
     */
    abstract int writeSockaddr(long addr, SocketAddress remote) throws Exception;

    /** Whether the kernel takes zero-copy sends (SEND_ZC) on this socket: TCP and UDP do, AF_UNIX does not. */
    boolean zeroCopySendsWork() {
        return true;
    }

    /**
     * Whether plain reads may wait on a multishot POLLIN poll (see {@link #readinessRead}). That relies on
     * IORING_CQE_F_SOCK_NONEMPTY to know when the socket is empty, which only TCP reports.
     */
    boolean readinessReadsWork() {
        return true;
    }

    /**
     * Submits the write of a message that is neither bytes nor a file region ({@code filterOutboundMessage} let it
     * through) and sets {@link #writeOp}; false if this channel has no such messages. Its completion removes it.
     */
    boolean submitOtherWrite(Object msg) {
        return false;
    }

    /**
     * Submits a read of something other than bytes (file descriptors on a Unix socket) and sets {@link #readOp};
     * false to read bytes.
     */
    boolean submitOtherRead() {
        return false;
    }

    /**
     * The read submitted by {@link #submitOtherRead} completed: true if handled, false to let the byte read's
     * handling deal with {@code res} (end of stream, cancellation, errors).
     */
    boolean otherReadComplete(int res, int flags) {
        return false;
    }

    /** Every operation has reported back and the channel is closed: free what the subclass allocated. */
    void freeFamilyResources() {
    }

    @Override
    protected AbstractGetBufUnsafe newUnsafe() {
        return new StreamUnsafe();
    }

    // ---- half-closure ----

    @Override
    public boolean isInputShutdown() {
        return socket.isInputShutdown();
    }

    @Override
    public boolean isOutputShutdown() {
        return socket.isOutputShutdown();
    }

    @Override
    public boolean isShutdown() {
        return socket.isShutdown();
    }

    @Override
    public ChannelFuture shutdownOutput() {
        return shutdownOutput(newPromise());
    }

    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
        return onEventLoop(promise, () -> ((AbstractUnsafe) unsafe()).shutdownOutput(promise));
    }

    private ChannelFuture onEventLoop(ChannelPromise promise, Runnable task) {
        EventLoop loop = eventLoop();
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
        return promise;
    }

    @Override
    public ChannelFuture shutdownInput() {
        return shutdownInput(newPromise());
    }

    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
        return onEventLoop(promise, () -> shutdownInput0(promise));
    }

    private void shutdownInput0(ChannelPromise promise) {
        try {
            socket.shutdown(true, false);
            promise.setSuccess();
        } catch (Throwable t) {
            promise.setFailure(t);
        }
    }

    @Override
    public ChannelFuture shutdown() {
        return shutdown(newPromise());
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
        ChannelFuture output = shutdownOutput();
        if (output.isDone()) {
            shutdownInputAfter(output, promise);
        } else {
            output.addListener((ChannelFutureListener) f -> shutdownInputAfter(f, promise));
        }
        return promise;
    }

    private void shutdownInputAfter(ChannelFuture output, ChannelPromise promise) {
        ChannelFuture input = shutdownInput();
        input.addListener((ChannelFutureListener) f -> {
            Throwable outCause = output.cause();
            Throwable inCause = f.cause();
            if (outCause != null) {
                if (inCause != null) {
                    outCause.addSuppressed(inCause);
                }
                promise.setFailure(outCause);
            } else if (inCause != null) {
                promise.setFailure(inCause);
            } else {
                promise.setSuccess();
            }
        });
    }

    @Override
    protected void doShutdownOutput() throws Exception {
        socket.shutdown(false, true);
    }

    // ---- outbound ----

    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (msg instanceof ByteBuf) {
            ByteBuf buf = (ByteBuf) msg;
            return isUsable(buf) ? buf : newDirectBuffer(buf);
        }
        if (msg instanceof FileRegion) {
            return msg;
        }
        throw new UnsupportedOperationException("unsupported message type: " + msg.getClass().getName()
                + " (expected ByteBuf or FileRegion)");
    }

    /** The kernel reads from raw addresses: heap buffers are copied to direct memory once. */
    private static boolean isUsable(ByteBuf buf) {
        if (buf.hasMemoryAddress()) {
            return true;
        }
        if (buf.isDirect() && buf.nioBufferCount() > 1) {
            // a composite of direct buffers goes out as writev, component by component
            for (ByteBuffer b : buf.nioBuffers()) {
                if (!b.isDirect()) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    private ByteBuf newDirectBuffer(ByteBuf buf) {
        int readable = buf.readableBytes();
        if (readable == 0) {
            buf.release();
            return Unpooled.EMPTY_BUFFER;
        }
        ByteBufAllocator alloc = alloc();
        ByteBuf direct = alloc.isDirectBufferPooled() ? alloc.directBuffer(readable) : ByteBufUtil.threadLocalDirectBuffer();
        if (direct == null) {
            direct = alloc.directBuffer(readable);
        }
        direct.writeBytes(buf, buf.readerIndex(), readable);
        buf.release();
        return direct;
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) {
        // While a write completion updates the outbound buffer, handlers may flush (writability
        // events): that completion submits the next write itself, once the buffer is consistent.
        // The same while scheduleWrite runs: removing a message there (an empty buffer, a region
        // sendfile finished at once) runs its listeners, which may write and flush; the loop in
        // scheduleWrite0 goes on with what they flushed, and a nested one would send it twice.
        if (writeOp == 0 && !inWriteComplete && !inScheduleWrite) {
            scheduleWrite(in);
        }
    }

    private void scheduleWrite(ChannelOutboundBuffer in) {
        if (!canSubmit()) {
            // deregistered: the next registration sends what is left (registeredActive)
            return;
        }
        inScheduleWrite = true;
        try {
            scheduleWrite0(in);
        } finally {
            inScheduleWrite = false;
        }
    }

    private void scheduleWrite0(ChannelOutboundBuffer in) {
        for (;;) {
            Object msg = in.current();
            if (msg == null) {
                return;
            }
            if (msg instanceof ByteBuf) {
                ByteBuf buf = (ByteBuf) msg;
                if (!buf.isReadable()) {
                    in.remove();
                    continue;
                }
                if (submitSendZc(buf)) {
                    return;
                }
                if (in.size() > 1 || buf.nioBufferCount() > 1) {
                    submitWritev(in);
                } else {
                    submitSend(buf, buf.readerIndex(), buf.readableBytes());
                }
                return;
            }
            if (msg instanceof DefaultFileRegion) {
                if (transferFileRegion(in, (DefaultFileRegion) msg)) {
                    return;
                }
                continue;
            }
            if (msg instanceof FileRegion) {
                if (scheduleFileRegion(in, (FileRegion) msg)) {
                    return;
                }
                continue;
            }
            if (submitOtherWrite(msg)) {
                return;
            }
            // filterOutboundMessage lets nothing else through
            in.remove(new UnsupportedOperationException("unsupported message: " + msg));
        }
    }

    private void submitSend(ByteBuf buf, int index, int length) {
        writing.add(buf.retain());
        writeOp = registration.submit(ops.send(socket.intValue(), buf.memoryAddress() + index, length,
                MSG_NOSIGNAL, DATA_WRITE));
    }

    /**
     * Sends a buffer held in a slot of this loop's table (a registered buffer, file pages from
     * {@link GetBufFiles#read}) without a copy: SEND_ZC from its slot. False when {@code buf} is not one or too many
     * notifications are outstanding (it then goes out as an ordinary buffer).
     */
    private boolean submitSendZc(ByteBuf buf) {
        if (!GetBuf.isSendZcSupported() || !zeroCopySendsWork()) {
            return false; // a kernel without SEND_ZC: registered memory goes out as any direct buffer
        }
        SlotByteBuf root = slotBacked(buf);
        if (root == null) {
            return false;
        }
        int n = zeroCopySends.hold(buf);
        if (n < 0) {
            return false;
        }
        long addr = root.slotAddress(buf.memoryAddress() + buf.readerIndex());
        writeOp = registration.submit(ops.sendZcFixed(socket.intValue(), addr, buf.readableBytes(), MSG_NOSIGNAL,
                root.slot(), (short) (DATA_SEND_ZC | n << DATA_STEP_SHIFT)));
        if (writeOp == 0) {
            zeroCopySends.release(n); // the registration ended: nothing was submitted
        }
        return true;
    }

    /** The slot-backed buffer behind {@code buf} if its slot is in this loop's table, else null. */
    private SlotByteBuf slotBacked(ByteBuf buf) {
        FileSendStrategies strategies = handler().fileStrategies();
        if (!strategies.slotBuffersInUse()) {
            return null; // nothing on this loop put a buffer in a slot: no buffer needs unwrapping (every write asks)
        }
        SlotByteBuf root = SlotByteBuf.rootOf(buf);
        if (root == null || root.table() != strategies.table() || !buf.hasMemoryAddress()
                || buf.nioBufferCount() != 1) {
            return null;
        }
        return root;
    }

    /** What the channel has in flight, and where its registration stands (diagnostics, tests). */
    String stateForTests() {
        String kernelPeer;
        try {
            kernelPeer = String.valueOf(socket.remoteAddress());
        } catch (RuntimeException e) {
            kernelPeer = e.toString();
        }
        return "lifecycle " + lifecycle + ", registration " + registration + ", transfer " + fileTransfer + ", writeOp "
                + writeOp + ", readOp " + readOp + ", pollOp " + pollOp + ", pollIn " + pollInState + ", connectOp "
                + connectOp + ", zero-copy references " + zeroCopySends.held() + ", fd " + socket.intValue()
                + " (peer " + kernelPeer + "), read " + bytesRead + " bytes in " + readCompletions
                + " completions, buffers written " + bytesWritten + ", readPending " + readPending + ", socketEmpty "
                + socketEmpty + ", peerShutdown " + peerShutdown + ", autoRead " + config().isAutoRead()
                + ", bufferRing " + useBufferRing() + ", multishot " + readMultishot + ", registrations "
                + registrationsSeen + ", loop " + eventLoop();
    }

    /** Releases the references the write in flight holds (once: the list is emptied). */
    private void releaseWriting() {
        for (int i = 0; i < writing.size(); i++) {
            writing.get(i).release();
        }
        writing.clear();
    }

    /** References zero-copy sends hold until their notifications (tests). */
    int zeroCopyReferences() {
        return zeroCopySends.held();
    }

    /** Writes of bytes ahead of a file region that this channel submitted with the region's GET_BUF linked (tests). */
    long linkedWrites() {
        return linkedWrites;
    }

    /** Zero-copy sends of registered buffers this channel submitted (tests). */
    long zeroCopySends() {
        return zeroCopySends.sends();
    }

    private void submitWritev(ChannelOutboundBuffer in) {
        if (iov == null) {
            iov = new IovArray();
        }
        IovArray iovArray = iov;
        iovArray.clear();
        iovArray.maxBytes(Integer.MAX_VALUE);
        regionAfterGather = null;
        try {
            in.forEachFlushedMessage(gatherWritev);
        } catch (Exception e) {
            PlatformDependent.throwException(e);
        }
        FileRegion next = regionAfterGather;
        regionAfterGather = null; // the outbound buffer owns it
        if (next != null) {
            // a file region follows: MSG_MORE holds back the last partial
            // segment until the rest comes, so a response's head and body leave in full segments (nginx's
            // tcp_nopush does it with TCP_CORK, two setsockopt calls per response); writev has no flags, sendmsg does
            if (msghdr == 0) {
                msghdr = PlatformDependent.allocateMemory(SIZEOF_MSGHDR);
                PlatformDependent.setMemory(msghdr, SIZEOF_MSGHDR, (byte) 0);
            }
            PlatformDependent.putLong(msghdr + MSGHDR_IOV, iovArray.memoryAddress(0));
            PlatformDependent.putLong(msghdr + MSGHDR_IOVLEN, iovArray.count());
            FileTransfer follower = next instanceof DefaultFileRegion ? transferToFollow((DefaultFileRegion) next)
                    : null;
            if (follower == null) {
                writeOp = registration.submit(ops.sendmsg(socket.intValue(), msghdr, MSG_NOSIGNAL | MSG_MORE,
                        DATA_WRITE));
                return;
            }
            // the region's first operations go in the same submission, linked behind the head: MSG_WAITALL, so that
            // only an error or a closed peer ends the head short (which cancels them; they start again after it).
            // Room for the whole chain first: it is written to the submission queue whole or not at all.
            GetBufIoHandler h = handler();
            h.reserve(follower.followerSqes());
            writeOp = registration.submit(ops.sendmsg(socket.intValue(), msghdr,
                    MSG_NOSIGNAL | MSG_MORE | MSG_WAITALL, DATA_WRITE).linked());
            if (writeOp != 0) {
                linkedWrites++;
                linkingWrite = true;
                try {
                    follower.resume();
                } finally {
                    linkingWrite = false;
                    h.endChain(); // a follower that submitted nothing leaves the head to go alone
                }
            }
        } else {
            writeOp = registration.submit(ops.writev(socket.intValue(), iovArray.memoryAddress(0),
                    iovArray.count(), DATA_WRITE));
        }
    }

    /**
     * Adds flushed buffers to {@link #iov} (each retained by the write), up to the first non-buffer;
     * {@link #regionAfterGather} is the file region with bytes to send that follows them, if one does.
     */
    private boolean gatherWritev(Object msg) {
        if (!(msg instanceof ByteBuf)) {
            // only bytes that are sure to follow may hold back the last segment: MSG_MORE with nothing after it
            // would leave that segment unsent until the next write
            regionAfterGather = msg instanceof FileRegion
                    && ((FileRegion) msg).count() > ((FileRegion) msg).transferred() ? (FileRegion) msg : null;
            return false;
        }
        ByteBuf buf = (ByteBuf) msg;
        if (!buf.isReadable()) {
            return true;
        }
        if (iov.count() > 0 && slotBacked(buf) != null) {
            return false; // it goes out on its own, zero-copy
        }
        if (!iov.add(buf, buf.readerIndex(), buf.readableBytes())) {
            return false;
        }
        writing.add(buf.retain());
        return !iov.isFull();
    }

    /**
     * Sends a DefaultFileRegion through this loop's {@link FileSendStrategy}: returns true while the transfer is
     * under way (its completions go on), false when the region is done and the next message may go.
     */
    private boolean transferFileRegion(ChannelOutboundBuffer in, DefaultFileRegion region) {
        FileTransfer t = fileTransfer;
        if (t == null) {
            if (region.transferred() >= region.count()) {
                in.remove();
                return false;
            }
            int fd;
            try {
                fd = openRegion(region);
            } catch (Throwable cause) {
                in.remove(cause);
                return false;
            }
            if (fd == NOT_THE_JDKS_FILE_CHANNEL) {
                return scheduleFileRegion(in, region); // only its transferTo can be trusted: read and send
            }
            t = fileTransfer = transfer(chooseStrategy(region, fd), region, fd);
        } else if (t.region != region || t.isEnded()) {
            // the previous transfer's last operations are still reporting back: released() goes on
            return true;
        }
        t.resume();
        return !t.isEnded();
    }

    /** What {@link #openRegion} returns for a region over a FileChannel that is not the JDK's own. */
    private static final int NOT_THE_JDKS_FILE_CHANNEL = -Native.ERRNO_EOPNOTSUPP;

    /**
     * Opens {@code region}'s file if need be and returns its fd, or {@link #NOT_THE_JDKS_FILE_CHANNEL}: another
     * FileChannel implementation has no fd the transport may use, and the region goes by its {@code transferTo}.
     */
    private static int openRegion(DefaultFileRegion region) throws IOException {
        region.open();
        int fd = Native.fileRegionFd(region);
        if (fd < 0 && fd != NOT_THE_JDKS_FILE_CHANNEL) {
            throw Errors.newIOException("file descriptor of " + region, fd);
        }
        return fd;
    }

    /** A transfer of {@code region} by {@code strategy}: this channel's last one of that strategy if it can go again. */
    private FileTransfer transfer(FileSendStrategy strategy, DefaultFileRegion region, int fd) {
        int k = strategy.kind().ordinal();
        FileTransfer t = spareTransfers[k];
        spareTransfers[k] = null;
        if (t == null || !t.reusableOn(handler())) {
            t = strategy.newTransfer(fileTransferHost);
        }
        return t.start(region, fd);
    }

    private FileSendStrategy chooseStrategy(DefaultFileRegion region, int fd) {
        GetBufFileStrategy asked = config().getFileStrategy();
        FileSendStrategies strategies = handler().fileStrategies();
        if (!zeroCopySendsWork() && (asked == null || asked == GetBufFileStrategy.AUTO)) {
            asked = GetBufFileStrategy.SENDFILE; // what AUTO picks where GET_BUF is not to be had
        }
        FileSendStrategy strategy = strategies.choose(asked, region.count() - region.transferred(), fd,
                region == fellBack);
        fellBack = null;
        if (!zeroCopySendsWork() && sendsZeroCopy(strategy.kind())) {
            // asked for by name on a socket that takes no SEND_ZC: the region goes by sendfile, counted and logged as
            // any fallback is (failing in the kernel after the file's pages were lent would cost more)
            fileSendStats.addFallback(strategy.kind());
            handler().fileSendStats().addFallback(strategy.kind());
            handler().logFallback(strategy.kind(), NO_ZERO_COPY_SENDS);
            strategy = strategies.choose(GetBufFileStrategy.SENDFILE, 0, fd, true);
        }
        return strategy;
    }

    private static final FileTransfer.FallBack NO_ZERO_COPY_SENDS = new FileTransfer.FallBack(
            "the socket takes no zero-copy sends (SEND_ZC is for TCP and UDP; AF_UNIX has none)");

    /** Whether transfers of {@code kind} send with SEND_ZC. */
    private static boolean sendsZeroCopy(GetBufFileStrategy kind) {
        return kind == GetBufFileStrategy.GET_BUF || kind == GetBufFileStrategy.READ_FIXED_ZC;
    }

    /**
     * The transfer of {@code region}, next after the buffers being gathered, if it goes by GET_BUF and can follow
     * their write in one link (it took a slot for that); null when the write goes alone. A region that cannot even be
     * opened here fails later, when its turn comes.
     */
    private FileTransfer transferToFollow(DefaultFileRegion region) {
        GetBufFileStrategy asked = config().getFileStrategy();
        boolean mayGetBuf = asked == null || asked == GetBufFileStrategy.AUTO || asked == GetBufFileStrategy.GET_BUF;
        if (fileTransfer != null || region == fellBack || !mayGetBuf || !GetBuf.isGetBufSupported()
                || !zeroCopySendsWork()) {
            // the previous transfer is still reporting back, or GET_BUF is out of the question: nothing is opened or
            // chosen twice (the region's turn does that)
            return null;
        }
        int fd;
        try {
            fd = openRegion(region);
        } catch (IOException e) {
            return null;
        }
        if (fd == NOT_THE_JDKS_FILE_CHANNEL) {
            return null;
        }
        FileSendStrategy strategy = chooseStrategy(region, fd);
        if (strategy.kind() != GetBufFileStrategy.GET_BUF) {
            return null;
        }
        FileTransfer t = fileTransfer = transfer(strategy, region, fd);
        return t.prepareToFollow() ? t : null;
    }

    /** What a {@link FileTransfer} needs of this channel. */
    private final class TransferHost implements FileTransfer.Host {
        @Override
        public IoRegistration registration() {
            return registration;
        }

        @Override
        public boolean canSubmit() {
            return AbstractGetBufStreamChannel.this.canSubmit() && (writeOp == 0 || linkingWrite);
        }

        @Override
        public GetBufIoOps ops() {
            return ops;
        }

        @Override
        public int socketFd() {
            return socket.intValue();
        }

        @Override
        public GetBufIoHandler handler() {
            return AbstractGetBufStreamChannel.this.handler();
        }

        @Override
        public ByteBufAllocator alloc() {
            return AbstractGetBufStreamChannel.this.alloc();
        }

        @Override
        public void sent(FileTransfer transfer, long bytes) {
            ChannelOutboundBuffer in = unsafe().outboundBuffer();
            if (in != null) {
                in.progress(bytes);
            }
            GetBufFileStrategy kind = transfer.strategy;
            countFileBytes(kind, bytes);
        }

        @Override
        public void finished(FileTransfer transfer) {
            countFileRegion(transfer.strategy);
            ChannelOutboundBuffer in = unsafe().outboundBuffer();
            if (in != null && in.current() == transfer.region) {
                in.remove();
            }
        }

        @Override
        public void failed(FileTransfer transfer, Throwable cause) {
            if (cause instanceof FileTransfer.FallBack) {
                // nothing is lost: once released, the rest of the region goes by sendfile
                if (cause instanceof GetBufStrategy.NoProviderException
                        && ((GetBufStrategy.NoProviderException) cause).wholeFileSystem) {
                    handler().fileStrategies().noProvider(((GetBufStrategy.NoProviderException) cause).device);
                }
                fellBack = transfer.region;
                fileSendStats.addFallback(transfer.strategy);
                handler().fileSendStats().addFallback(transfer.strategy);
                handler().logFallback(transfer.strategy, cause);
                return;
            }
            ChannelOutboundBuffer in = unsafe().outboundBuffer();
            if (in == null || in.current() != transfer.region) {
                return; // closed meanwhile: the outbound buffer failed it already
            }
            // Part of the region may be on the wire: whatever was written after it would reach the peer as the
            // rest of the region (the rest of an HTTP body, the next response misframed). Close, as Netty's
            // transports do when a write fails with an IOException.
            ((StreamUnsafe) unsafe()).writeFailed(cause instanceof SocketWriteException ? cause.getCause() : cause);
        }

        @Override
        public void released(FileTransfer transfer) {
            if (fileTransfer == transfer) {
                fileTransfer = null;
            }
            if (transfer.reusableOn(handler())) {
                spareTransfers[transfer.strategy.ordinal()] = transfer;
            }
            ChannelOutboundBuffer in = unsafe().outboundBuffer();
            if (!inScheduleWrite && writeOp == 0 && in != null && !in.isEmpty() && isActive()) {
                scheduleWrite(in);
            }
        }
    }

    /** Counts file bytes for this channel and its loop. */
    private void countFileBytes(GetBufFileStrategy kind, long bytes) {
        fileSendStats.addBytes(kind, bytes);
        handler().fileSendStats().addBytes(kind, bytes);
    }

    private void countFileRegion(GetBufFileStrategy kind) {
        fileSendStats.addRegion(kind);
        handler().fileSendStats().addRegion(kind);
    }

    /**
     * Bytes and file regions this channel sent, per {@link GetBufFileStrategy}.
     *
     * @return the channel's counters, live: they go on growing, since the channel was created, and may be read from
     *         any thread; the channel's event loop sums them over its channels
     *         ({@link GetBufIoHandler#fileSendStats(io.netty.channel.EventLoop)})
     */
    public GetBufFileSendStats fileSendStats() {
        return fileSendStats;
    }

    /**
     * Sends a custom FileRegion (one that only knows transferTo) by reading it chunk by chunk into a direct buffer.
     * Returns false when the region was finished and removed.
     */
    private boolean scheduleFileRegion(ChannelOutboundBuffer in, FileRegion region) {
        ByteBuf chunk = fileChunk;
        if (chunk == null || !chunk.isReadable()) {
            long left = region.count() - region.transferred();
            if (left <= 0) {
                releaseFileChunk();
                in.remove();
                return false;
            }
            if (chunk == null) {
                chunk = fileChunk = alloc().directBuffer((int) Math.min(FILE_CHUNK, Math.max(left, 1)));
            }
            chunk.clear();
            int want = (int) Math.min(chunk.capacity(), left);
            try {
                long n = region.transferTo(new ChunkChannel(chunk, want), region.transferred());
                if (n <= 0 && !chunk.isReadable()) {
                    throw new IOException("FileRegion " + region + " gave no bytes at " + region.transferred()
                            + " of " + region.count() + " (file truncated?)");
                }
            } catch (Throwable t) {
                releaseFileChunk();
                // as for a DefaultFileRegion that failed (FileSendListener.failed): nothing may follow it
                ((StreamUnsafe) unsafe()).writeFailed(t);
                return true;
            }
        }
        submitSend(chunk, chunk.readerIndex(), chunk.readableBytes());
        return true;
    }

    private void releaseFileChunk() {
        if (fileChunk != null) {
            fileChunk.release();
            fileChunk = null;
        }
    }

    /** A WritableByteChannel that appends up to {@code limit} bytes to a ByteBuf. */
    private static final class ChunkChannel implements WritableByteChannel {
        private final ByteBuf target;
        private int limit;

        ChunkChannel(ByteBuf target, int limit) {
            this.target = target;
            this.limit = limit;
        }

        @Override
        public int write(ByteBuffer src) {
            int n = Math.min(src.remaining(), limit);
            if (n <= 0) {
                return 0;
            }
            ByteBuffer slice = src.duplicate();
            slice.limit(slice.position() + n);
            target.writeBytes(slice);
            src.position(src.position() + n);
            limit -= n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    @Override
    void registeredActive() {
        registrationsSeen++;
        if (active) {
            armRdHup();
            // what the end of the previous registration cancelled goes out now
            ChannelOutboundBuffer in = unsafe().outboundBuffer();
            if (in != null && writeOp == 0 && !in.isEmpty()) {
                scheduleWrite(in);
            }
        }
    }

    private void armRdHup() {
        if (pollOp == 0 && !peerShutdown && canSubmit()) {
            pollOp = registration.submit(ops.pollAdd(socket.intValue(), POLLRDHUP, DATA_POLL_RDHUP));
        }
    }

    @Override
    void cancelOperations(IoRegistration r) {
        super.cancelOperations(r);
        if (fileTransfer != null) {
            // deregistered or closed: the transfer belongs to this registration and ends with it; a next
            // registration starts afresh from what the region says was sent
            fileTransfer.detach();
        }
        if (pollOp != 0) {
            cancel(r, pollOp);
        }
        if (writeOp != 0) {
            cancel(r, writeOp);
        }
        if (connectOp != 0) {
            cancel(r, connectOp);
        }
        cancelPollIn(r);
    }

    private void cancelPollIn(IoRegistration r) {
        if (pollInState == POLL_IN_ARMED) {
            pollInState = POLL_IN_CANCELLING;
            cancel(r, pollInOp);
        }
    }

    // ---- inbound ----

    @Override
    protected void doBeginRead() {
        readPending = true;
        if (inReadLoop) {
            // read() from a handler while a completion is being delivered: that completion
            // decides what comes next, and sees readPending
            return;
        }
        if (readOp == 0 && active && !inputEndReported) {
            submitRead(true);
        }
    }

    private boolean useBufferRing() {
        return config().isUseBufferRing() && handler().bufferRing() != null;
    }

    private void submitRead(boolean newReadLoop) {
        submitRead(newReadLoop, true);
    }

    /** {@code mayUseRing}: false right after the kernel found the ring empty (ENOBUFS). */
    private void submitRead(boolean newReadLoop, boolean mayUseRing) {
        if (!canSubmit()) {
            // deregistered (perhaps by a handler in this read loop): nothing would cancel a recv
            // or poll submitted now, and it would hold the ending registration open; the next
            // registration reads again (AUTO_READ, or the next read())
            return;
        }
        RecvByteBufAllocator.Handle handle = unsafe().recvBufAllocHandle();
        if (newReadLoop) {
            handle.reset(config());
            readLoopHasData = false;
        }
        if (submitOtherRead()) {
            return;
        }
        BufferRing ring = mayUseRing && useBufferRing() ? handler().bufferRing() : null;
        if (ring != null && ring.available() == 0) {
            // every ring buffer is in the application's hands: say so (once per episode), read plainly
            if (!ringExhaustedReported) {
                ringExhaustedReported = true;
                handler().countBufferRingExhausted();
                pipeline().fireUserEventTriggered(GetBufBufferRingExhaustedEvent.INSTANCE);
                if (!isActive() || readOp != 0) {
                    return; // a handler closed the channel, or read meanwhile
                }
                if (!config().isAutoRead() && !readPending) {
                    completeReadLoop(handle); // a handler stopped reading
                    return;
                }
            }
            ring = null;
        }
        if (ring != null) {
            ringExhaustedReported = false;
            // multishot only where configured, and only while AUTO_READ keeps it wanted
            readMultishot = ring.isMultishot() && config().isAutoRead();
            // a single recv honours the allocator's size guess; a multishot one takes what comes
            int len = readMultishot ? 0 : Math.max(1, Math.min(handle.guess(), ring.bufferSize()));
            handle.attemptedBytesRead(len);
            readOp = registration.submit(ops.recvBufferRing(socket.intValue(), groupToReadFrom(ring), readMultishot,
                    len, !readMultishot && socketEmpty, DATA_READ));
            return;
        }
        readMultishot = false;
        boolean now = readinessRead();
        if (now && socketEmpty && !peerShutdown) {
            return; // the poll's next POLLIN reads (see pollInComplete); after a FIN, recv finds the end
        }
        ByteBuf buf = handle.allocate(alloc());
        if (!buf.hasMemoryAddress()) {
            buf.release();
            buf = alloc().directBuffer(handle.guess());
        }
        readBuf = buf;
        handle.attemptedBytesRead(buf.writableBytes());
        long addr = buf.memoryAddress() + buf.writerIndex();
        pollInDuringRead = false;
        if (now) {
            readOp = registration.submit(ops.recvNow(socket.intValue(), addr, buf.writableBytes(), DATA_READ));
        } else {
            if (socketEmpty) {
                handler().parkedRecvs++;
            }
            readOp = registration.submit(ops.recv(socket.intValue(), addr, buf.writableBytes(), socketEmpty,
                    DATA_READ));
        }
    }

    /** The ring's buffer group; a group that does not exist when a fault injector empties the ring (-ENOBUFS). */
    private short groupToReadFrom(BufferRing ring) {
        FaultInjector faults = handler().faults;
        return faults != null && faults.bufferRingEmpty() ? FaultInjector.NO_BUFFER_GROUP : ring.groupId();
    }

    /** Ends the current read loop early; the pipeline hears of it only if the loop delivered bytes. */
    private void completeReadLoop(RecvByteBufAllocator.Handle handle) {
        if (readLoopHasData) {
            readLoopHasData = false;
            handle.readComplete();
            pipeline().fireChannelReadComplete();
        }
    }

    /**
     * How a plain read waits for data. A parked recv (IORING_RECVSEND_POLL_FIRST once the socket
     * is known to be empty) completes in the same ring entry that the data wakes, but arms and
     * tears down a poll per message. Waiting on one multishot POLLIN poll and then recv'ing with
     * MSG_DONTWAIT costs a completion more and, on an idle loop, one more io_uring_enter per
     * message. So: readiness while the event loop is busy (see GetBufIoHandler#isBusy), parked
     * recvs while it is not. The poll is armed on the first busy read and cancelled on the first
     * idle one; while it is being cancelled, reads park.
     */
    private boolean readinessRead() {
        // with AUTO_READ off, reads come one read() at a time: a parked recv waits for exactly one, where a
        // multishot poll would go on waking the loop for data nobody asked for
        boolean want = READINESS != READINESS_NEVER && readinessReadsWork() && !pollInFailed && config().isAutoRead()
                && (READINESS == READINESS_ALWAYS || handler().isBusy());
        if (!want) {
            cancelPollIn(registration);
            return false;
        }
        if (pollInState == POLL_IN_NONE) {
            // arming reports data already there: until it does, there is nothing to read (a
            // fresh connection's first read then does not start with an empty recv); but data the
            // previous poll reported as it ended is read now, or a poll that keeps ending at once
            // (an overflowing CQ) would be re-armed forever and never let a recv run
            socketEmpty = !pollInEndedOnData;
            pollInEndedOnData = false;
            pollInState = POLL_IN_ARMED;
            pollInOp = registration.submit(ops.pollAddMultishot(socket.intValue(), POLLIN, DATA_POLL_IN));
            handler().readinessArmed++;
        }
        return pollInState == POLL_IN_ARMED;
    }

    /**
     * A close ends the connection as closing its fd would: a FIN behind the queued bytes, or with {@code SO_LINGER} 0
     * a reset (and the queues dropped). A send waiting for room then fails at once (a cancellation alone can miss a
     * send the kernel is retrying: seen with a peer that never reads), and the fd closes once nothing names it.
     */
    @Override
    void endConnectionForClose(boolean wasActive) {
        if (!wasActive) {
            return; // never connected: nothing can wait on a peer
        }
        try {
            if (socket.getSoLinger() == 0) {
                socket.disconnect(); // tcp_disconnect: what close with SO_LINGER 0 does
            } else {
                socket.shutdown(false, true);
            }
        } catch (IOException | RuntimeException e) {
            // not connected (any more, NotYetConnectedException): nothing can wait on it
        }
        // The write in flight reads none of its bytes any more (its send fails on the ended connection, as does a
        // send still queued): its buffers go back now, before the outbound buffer fails the write's promise, so that
        // a writer finds its buffer its own again when the promise completes. Zero-copy sends keep theirs: the
        // socket's queued segments still point at that memory until their notification.
        releaseWriting();
    }

    @Override
    protected void doClose() throws Exception {
        try {
            super.doClose();
        } finally {
            failConnect(new ClosedChannelException());
        }
    }

    // ---- connect ----

    private void failConnect(Throwable cause) {
        ChannelPromise p = connectPromise;
        if (p != null) {
            connectPromise = null;
            p.tryFailure(cause);
            if (connectTimeout != null) {
                connectTimeout.cancel(false);
                connectTimeout = null;
            }
        }
    }

    final class StreamUnsafe extends AbstractGetBufUnsafe {
        @Override
        public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
            // The promise stays cancellable: cancelling it cancels the connect (and closes the channel).
            if (promise.isDone() || !ensureOpen(promise)) {
                return;
            }
            if (connectPromise != null) {
                promise.setFailure(new ConnectionPendingException());
                return;
            }
            if (active) {
                promise.setFailure(new AlreadyConnectedException());
                return;
            }
            try {
                SocketAddress remote = remoteAddress;
                if (sockaddrMemory == 0) {
                    sockaddrMemory = PlatformDependent.allocateMemory(sockaddrCapacity());
                }
                int len = writeSockaddr(sockaddrMemory, remote);
                if (localAddress != null) {
                    doBind(localAddress);
                }
                requestedRemote = remote;
                connectPromise = promise;
                connectOp = registration.submit(ops.connect(socket.intValue(), sockaddrMemory, len,
                        DATA_CONNECT));
                int timeoutMillis = config().getConnectTimeoutMillis();
                if (timeoutMillis > 0) {
                    connectTimeout = eventLoop().schedule(() -> {
                        ChannelPromise p = connectPromise;
                        if (p != null && !p.isDone() && p.tryFailure(new ConnectTimeoutException(
                                "connection timed out after " + timeoutMillis + " ms: " + remote))) {
                            close(voidPromise());
                        }
                    }, timeoutMillis, TimeUnit.MILLISECONDS);
                }
                promise.addListener((ChannelFutureListener) f -> {
                    if (f.isCancelled()) {
                        if (connectTimeout != null) {
                            connectTimeout.cancel(false);
                        }
                        connectPromise = null;
                        close(voidPromise());
                    }
                });
            } catch (Throwable t) {
                closeIfClosed();
                promise.tryFailure(annotateConnectException(t, remoteAddress));
            }
        }

        @Override
        void connectComplete(int res) {
            connectOp = 0;
            ChannelPromise promise = connectPromise;
            if (promise == null) {
                return; // timed out or closed meanwhile
            }
            connectPromise = null;
            if (connectTimeout != null) {
                connectTimeout.cancel(false);
                connectTimeout = null;
            }
            if (res < 0) {
                Throwable cause = res == -Native.ERRNO_ECANCELED ? new ClosedChannelException()
                        : new ConnectException(Errors.newIOException("connect", res).getMessage());
                promise.tryFailure(annotateConnectException(cause, requestedRemote));
                closeIfClosed();
                return;
            }
            boolean wasActive = active;
            active = true;
            local = localAddressOfSocket();
            remote = remoteAddressOfSocket();
            if (remote == null) {
                remote = requestedRemote;
            }
            armRdHup();
            boolean promiseSet = promise.trySuccess();
            if (!wasActive) {
                pipeline().fireChannelActive();
            }
            if (!promiseSet) {
                close(voidPromise());
            }
        }

        @Override
        void readComplete(int res, int flags, ByteBuf ringBuf) {
            boolean last = (flags & Native.IORING_CQE_F_MORE) == 0;
            if (last) {
                readOp = 0;
            }
            if (otherReadComplete(res, flags)) {
                return;
            }
            readCompletions++;
            if (res > 0) {
                bytesRead += res;
            }
            socketEmpty = (res > 0 && (flags & Native.IORING_CQE_F_SOCK_NONEMPTY) == 0 || res == -Native.ERRNO_EAGAIN)
                    && !pollInDuringRead;
            ByteBuf buf = ringBuf != null ? ringBuf : takeReadBuffer(res);
            ChannelPipeline pipeline = pipeline();
            RecvByteBufAllocator.Handle handle = recvBufAllocHandle();
            if (res > 0) {
                if (!isOpen()) {
                    buf.release();
                    return;
                }
                handle.lastBytesRead(res);
                handle.incMessagesRead(1);
                readPending = false;
                readLoopHasData = true;
                inReadLoop = true;
                try {
                    pipeline.fireChannelRead(buf);
                } finally {
                    inReadLoop = false;
                }
                if (!last) {
                    // multishot: the kernel keeps reading; report batches as they end
                    if ((flags & Native.IORING_CQE_F_SOCK_NONEMPTY) == 0 || !continueReadingNonEmpty(handle)) {
                        handle.readComplete();
                        pipeline.fireChannelReadComplete();
                        handle.reset(config());
                    }
                    if (!config().isAutoRead() && !readPending && readOp != 0 && canSubmit()) {
                        cancelRead(registration);
                    }
                    return;
                }
                if (readMultishot) {
                    // the kernel ended the multishot recv (buffers, cancel): start over
                    handle.readComplete();
                    pipeline.fireChannelReadComplete();
                    rearmRead(true);
                    return;
                }
                // Read on within this read loop only if the kernel says data is waiting: a recv
                // that exactly filled its buffer would otherwise park in the kernel and hold back
                // channelReadComplete (and the flush a handler does there) until more data came.
                if ((flags & Native.IORING_CQE_F_SOCK_NONEMPTY) != 0 && continueReadingNonEmpty(handle) && isActive()
                        && readOp == 0 && canSubmit()) {
                    submitRead(false);
                    return;
                }
                handle.readComplete();
                pipeline.fireChannelReadComplete();
                rearmRead(true);
                return;
            }
            if (buf != null) {
                buf.release();
            }
            if (res == -Native.ERRNO_EAGAIN && readOp == 0) {
                // a recv that must not wait found nothing (a wake-up for data an earlier recv
                // took, or a read() with nothing there): end the loop; the next POLLIN reads on
                completeReadLoop(handle);
                rearmRead(true);
                return;
            }
            if (res == 0) {
                handle.lastBytesRead(0);
                if (!inputShutdownSeen) {
                    // the read loop that saw the end of the stream completes; a later EOF only
                    // confirms it, and reports ChannelInputShutdownReadComplete instead
                    handle.readComplete();
                    pipeline.fireChannelReadComplete();
                }
                inputShutdown();
                return;
            }
            if (res == -Native.ERRNO_ENOBUFS) {
                // The ring ran dry between our check and the kernel's pick (channels race for the
                // last buffers), or the application holds them all: say so, and go on with the
                // same read loop plainly. Starting a new loop here would never let it end, so
                // channelReadComplete (flush, back-pressure) would never come.
                if (!ringExhaustedReported) {
                    ringExhaustedReported = true;
                    handler().countBufferRingExhausted();
                    pipeline.fireUserEventTriggered(GetBufBufferRingExhaustedEvent.INSTANCE);
                }
                if (isActive() && readOp == 0) {
                    if ((config().isAutoRead() || readPending) && canSubmit()) {
                        submitRead(false, false);
                    } else {
                        completeReadLoop(handle); // a handler stopped reading in the event, or deregistered
                    }
                }
                return;
            }
            if (isCancelled(res)) {
                // AUTO_READ cleared, deregistered or closed; read again if asked meanwhile
                if (last && isActive() && readPending && canSubmit()) {
                    submitRead(true);
                }
                return;
            }
            handle.readComplete();
            pipeline.fireChannelReadComplete();
            pipeline.fireExceptionCaught(res == -Native.ERRNO_ECONNRESET
                    ? Errors.newConnectionResetException("recv", res) : Errors.newIOException("recv", res));
            close(voidPromise());
        }

        /**
         * The socket still holds data: the allocator's own guess at that (a recv that filled its
         * buffer) is beside the point. A recv returns less than asked when data lands in the
         * socket's backlog while it copies; ending the read loop there halves the batches that
         * reach channelReadComplete under streaming load.
         */
        private boolean continueReadingNonEmpty(RecvByteBufAllocator.Handle handle) {
            return handle instanceof RecvByteBufAllocator.ExtendedHandle
                    ? ((RecvByteBufAllocator.ExtendedHandle) handle).continueReading(UncheckedBooleanSupplier.TRUE_SUPPLIER)
                    : handle.continueReading();
        }

        /** The buffer the kernel picked from the ring of {@code r}'s loop (called on that loop). */
        @Override
        ByteBuf takeRingBuffer(IoRegistration r, int res, int flags) {
            int bid = flags >>> Native.IORING_CQE_BUFFER_SHIFT;
            BufferRing ring = ((GetBufIoHandler) r.attachment()).bufferRing();
            return ring.take(bid, Math.max(res, 0), (flags & Native.IORING_CQE_F_BUF_MORE) != 0);
        }

        /** The buffer a plain recv owned. */
        private ByteBuf takeReadBuffer(int res) {
            ByteBuf buf = readBuf;
            readBuf = null;
            if (buf != null && res > 0) {
                buf.writerIndex(buf.writerIndex() + res);
            }
            return buf;
        }

        void rearmRead(boolean newLoop) {
            // once the peer shut its output down, read on to the end of the stream whatever
            // AUTO_READ says, as a level-triggered EOF would: the input-shutdown events depend on it
            if (readOp == 0 && isActive() && !inputEndReported && (config().isAutoRead() || readPending || peerShutdown)
                    && canSubmit()) {
                submitRead(newLoop);
            }
        }

        @Override
        void pollRdHupComplete(int res) {
            pollOp = 0;
            if (res < 0 || (res & POLLRDHUP) == 0) {
                return; // cancelled: closed or deregistered
            }
            peerShutdown = true;
            if (!inReadLoop) {
                rearmRead(true);
            }
        }

        @Override
        void pollInComplete(int res, int flags) {
            handler().readinessWakeups++;
            boolean wasArmed = pollInState == POLL_IN_ARMED;
            if ((flags & Native.IORING_CQE_F_MORE) == 0) {
                pollInState = POLL_IN_NONE; // the next busy read arms it again
                // (the kernel ends a multishot poll whose wake-up it cannot post, as when the CQ overflows: the
                // data it reports is there all the same)
                pollInEndedOnData = wasArmed && res > 0;
                if (res < 0 && res != -Native.ERRNO_ECANCELED) {
                    pollInFailed = true; // the kernel would not keep it armed: park recvs from now on
                }
            }
            if (!wasArmed) {
                return; // being cancelled: reads park meanwhile
            }
            if (res > 0) {
                socketEmpty = false;
                if (readOp != 0) {
                    pollInDuringRead = true;
                }
            }
            if (!config().isAutoRead() && !readPending && !peerShutdown) {
                // Back-pressure: AUTO_READ is off and nobody asked to read. Armed, the poll would wake the loop
                // for every segment that arrives: it goes now, at its first wake-up. (Cancelled lazily rather
                // than when AUTO_READ goes off, since AUTO_READ often comes back before any data does, as it
                // does for writability-driven back-pressure.)
                if (canSubmit()) {
                    cancelPollIn(registration);
                }
                return;
            }
            if (!inReadLoop) {
                rearmRead(true); // reads on if wanted; re-arms or parks if the poll ended
            }
        }

        private void inputShutdown() {
            peerShutdown = true;
            if (!inputShutdownSeen) {
                inputShutdownSeen = true;
                if (config().isAllowHalfClosure()) {
                    try {
                        socket.shutdown(true, false);
                    } catch (IOException ignore) {
                        // the peer already closed: nothing left to shut
                    }
                    pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                    rearmRead(true);
                } else {
                    close(voidPromise());
                }
            } else if (!inputEndReported) {
                inputEndReported = true;
                pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
            }
        }

        @Override
        void writeComplete(int res, int flags) {
            if ((flags & Native.IORING_CQE_F_MORE) != 0) {
                return;
            }
            writeOp = 0;
            releaseWriting();
            written(res);
        }

        @Override
        void sendZcComplete(int n, int res, int flags) {
            if ((flags & Native.IORING_CQE_F_NOTIF) != 0) {
                zeroCopySends.release(n); // the socket is done with the memory
                return;
            }
            if ((flags & Native.IORING_CQE_F_MORE) == 0) {
                zeroCopySends.release(n); // no notification follows (the send failed before taking the memory)
            }
            writeOp = 0;
            written(res);
        }

        /** The write in flight reported {@code res}: bytes sent, or {@code -errno}. */
        private void written(int res) {
            ChannelOutboundBuffer in = outboundBuffer();
            if (res < 0) {
                if (res == -Native.ERRNO_ECANCELED || in == null) {
                    return; // deregistered (the next registration sends it) or closed
                }
                if (res == -Native.ERRNO_EINPROGRESS) {
                    // a Fast Open connect deferred to this send could not put the data in its SYN: the
                    // handshake is under way, and the same send waits for it when submitted again
                    scheduleWrite(in);
                    return;
                }
                handleWriteError(Errors.newIOException("send", res));
                return;
            }
            if (in == null) {
                return; // closed or output shut down while the write was in flight
            }
            inWriteComplete = true;
            try {
                Object msg = in.current();
                if (msg instanceof FileRegion) {
                    fileChunk.skipBytes(res);
                    in.progress(res);
                    countFileBytes(GetBufFileStrategy.COPY, res);
                    if (!fileChunk.isReadable() && ((FileRegion) msg).transferred() >= ((FileRegion) msg).count()) {
                        releaseFileChunk();
                        countFileRegion(GetBufFileStrategy.COPY);
                        in.remove();
                    }
                } else if (msg instanceof ByteBuf) {
                    bytesWritten += res;
                    in.removeBytes(res);
                } else {
                    in.remove(); // a message of submitOtherWrite: its one operation wrote it whole
                }
            } finally {
                inWriteComplete = false;
            }
            if (writeOp == 0 && !in.isEmpty() && isActive()) {
                scheduleWrite(in);
            }
        }

        /** A write failed for the socket's sake: fail it and close, as Netty's transports do. */
        void writeFailed(Throwable cause) {
            handleWriteError(cause);
        }

        @Override
        void fileComplete(int step, int res, int flags) {
            FileTransfer t = fileTransfer;
            if (t == null) {
                throw new IllegalStateException("completion of file step " + step + " (res " + res
                        + ") with no transfer in flight");
            }
            if (!isOpen()) {
                t.abandon(); // the outbound buffer failed the region; the transfer only waits for its operations
            }
            t.complete(step, res, flags);
        }

        @Override
        void freeResources() {
            if (msghdr != 0) {
                PlatformDependent.freeMemory(msghdr);
                msghdr = 0;
            }
            if (fileTransfer != null) {
                fileTransfer.abandon(); // closed between two of its operations: nothing else would end it
            }
            if (iov != null) {
                iov.release();
                iov = null;
            }
            releaseFileChunk();
            freeFamilyResources();
            if (sockaddrMemory != 0) {
                PlatformDependent.freeMemory(sockaddrMemory);
                sockaddrMemory = 0;
            }
        }
    }
}
