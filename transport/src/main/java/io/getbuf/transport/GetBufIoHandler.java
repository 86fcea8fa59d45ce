/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.CompletionQueue;
import io.getbuf.transport.internal.Native;
import io.getbuf.transport.internal.Ring;
import io.getbuf.transport.internal.SubmissionQueue;
import io.getbuf.transport.internal.UserData;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.unix.Errors;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import io.netty.util.concurrent.ThreadAwareExecutor;
import io.netty.util.internal.ObjectUtil;
import io.netty.util.internal.PlatformDependent;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link IoHandler} of getbuf: one io_uring per event loop. The submission and completion
 * queues are driven from Java over the mmapped rings; each loop iteration costs one
 * {@code io_uring_enter}. Scheduled tasks wake the loop through a ring timeout, other threads
 * through an eventfd read that is always pending on the ring.
 */
public final class GetBufIoHandler implements IoHandler {
    private static final InternalLogger logger = InternalLoggerFactory.getInstance(GetBufIoHandler.class);

    // Ids the handler keeps for its own operations; never given to a registration.
    private static final int EVENTFD_ID = Integer.MAX_VALUE;
    private static final int TIMER_ID = Integer.MAX_VALUE - 1;
    private static final int DRAIN_ID = Integer.MAX_VALUE - 2;
    private static final short NO_DATA = 0;
    private static final long TIMER_USER_DATA = UserData.encode(TIMER_ID, Native.IORING_OP_TIMEOUT, NO_DATA);
    private static final long SHUTDOWN_DRAIN_NANOS = TimeUnit.SECONDS.toNanos(10);
    // a kernel that keeps refusing submissions (out of memory, say) fails the submitter rather than spin forever
    private static final int MAX_REFUSED_SUBMITS = 10_000;

    private final ThreadAwareExecutor executor;
    private final GetBufIoHandlerConfig config;
    private final Ring ring;
    private final SubmissionQueue sq;
    private final CompletionQueue cq;
    private final IntObjectMap<Registration> registrations = new IntObjectHashMap<>();
    private final GetBufIoEvent event = new GetBufIoEvent();
    private final CompletionQueue.Callback completionCallback = this::complete;
    private final DeferredCompletions deferred = new DeferredCompletions();
    // counters of stats(): this loop's thread only
    private long enterCalls;
    private long sqesSubmitted;
    /** sendfile(2) calls of SENDFILE transfers on this loop (system calls beside io_uring_enter). */
    long sendfileCalls;
    private long completions;
    private long cqOverflowFlushes;
    private long deferredCompletions;
    private long bufferRingExhausted;
    // per strategy, the messages of fallback causes logged (a fallback looks its message up: no allocation)
    private final java.util.EnumMap<GetBufFileStrategy, Set<String>> fallbackCausesLogged =
            new java.util.EnumMap<>(GetBufFileStrategy.class);
    private final GetBufIoOps ops = new GetBufIoOps(); // the handler's own SQEs
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final int eventFd;
    private final long scratch; // 8 bytes eventfd read buffer + 16 bytes timespec
    private BufferRing bufferRing;
    private final FileSendStrategies fileStrategies;
    private final GetBufFileSendStats fileSendStats = new GetBufFileSendStats();
    // the handler of each live event loop, for fileSendStats(EventLoop)
    private static final Map<Object, GetBufIoHandler> HANDLERS = new ConcurrentHashMap<>();

    private int nextId;
    private boolean eventFdReadArmed;
    private boolean timerArmed;
    private long timerDeadline;
    private int internalOutstanding;
    private boolean drainTimerArmed;
    private boolean initialized;
    private boolean shuttingDown;
    private boolean draining; // the shutdown's first drain has set drainDeadline
    private long drainDeadline;
    private boolean drainWarned;
    private boolean destroyed;
    private final LoopLoad load = new LoopLoad();
    private Boolean busyOverride; // tests
    // how stream channels waited for data (see GetBufSocketChannel#readinessRead): multishot
    // POLLIN polls armed, recvs parked on an empty socket. For tests and diagnostics.
    long readinessArmed;
    long parkedRecvs;
    long readinessWakeups; // completions of those polls
    // tests: the first io_uring_enter that would make room in a full SQ is skipped, as if the kernel
    // had taken none of it (-EBUSY, -EAGAIN)
    boolean refuseWhenFull;
    private static final int NO_CHAIN = 0;
    /** The registration whose linked chain is being written (its last SQE carries IOSQE_IO_LINK), or NO_CHAIN. */
    private int chainOwner = NO_CHAIN;
    private int refusedInARow;

    /** Injected faults (tests), or null. */
    FaultInjector faults;


    private GetBufIoHandler(ThreadAwareExecutor executor, GetBufIoHandlerConfig config) {
        GetBuf.ensureAvailability();
        this.executor = ObjectUtil.checkNotNull(executor, "executor");
        this.config = config;
        try {
            ring = Ring.open(config.ringSize(), config.cqSize(), GetBuf.setupFlagsMask() & (config.isSingleIssuer() ? -1
                    : ~(Native.IORING_SETUP_SINGLE_ISSUER | Native.IORING_SETUP_DEFER_TASKRUN)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int fd = Native.eventFd();
        if (fd < 0) {
            ring.close();
            throw new UncheckedIOException(Errors.newIOException("eventfd", fd));
        }
        eventFd = fd;
        scratch = PlatformDependent.allocateMemory(24);
        try {
            fileStrategies = new FileSendStrategies(ring.fd(), config,
                    executor instanceof ScheduledExecutorService ? (ScheduledExecutorService) executor : null);
        } catch (RuntimeException | Error e) {
            // the group's constructor only sees the exception: what this handler opened is ours to give back
            PlatformDependent.freeMemory(scratch);
            Native.close(eventFd);
            ring.close();
            throw e;
        }
        HANDLERS.put(executor, this);
        sq = ring.submissionQueue();
        cq = ring.completionQueue();
    }

    /**
     * A factory of handlers with the default {@link GetBufIoHandlerConfig}.
     *
     * @return a factory for {@code new MultiThreadIoEventLoopGroup(n, GetBufIoHandler.newFactory())}
     * @throws UnsatisfiedLinkError if getbuf cannot run here ({@link GetBuf#unavailabilityCause()} says why)
     */
    public static IoHandlerFactory newFactory() {
        return newFactory(new GetBufIoHandlerConfig());
    }

    /**
     * A factory of handlers with the sizes and options of {@code config}: each event loop gets its own ring, made as
     * {@code config} says.
     *
     * @param config the configuration, copied: changing it afterwards changes no handler of this factory
     * @return a factory for {@code new MultiThreadIoEventLoopGroup(n, factory)}; creating a handler throws an
     *         {@link java.io.UncheckedIOException} when the kernel refuses the ring (and leaves nothing open)
     * @throws IllegalArgumentException if {@link GetBufIoHandlerConfig#registeredBuffers()} is below
     *         {@link GetBufIoHandlerConfig#fileChunks()}
     * @throws UnsatisfiedLinkError if getbuf cannot run here ({@link GetBuf#unavailabilityCause()} says why)
     */
    public static IoHandlerFactory newFactory(GetBufIoHandlerConfig config) {
        GetBuf.ensureAvailability();
        GetBufIoHandlerConfig copy = ObjectUtil.checkNotNull(config, "config").copy();
        if (copy.registeredBuffers() < copy.fileChunks()) {
            throw new IllegalArgumentException("registered buffers (" + copy.registeredBuffers()
                    + ") must be at least the file chunks (" + copy.fileChunks() + "), which take the first slots");
        }
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor executor) {
                return new GetBufIoHandler(executor, copy);
            }

            @Override
            public boolean isChangingThreadSupported() {
                // a SINGLE_ISSUER ring is bound to the thread that enabled it
                return !copy.isSingleIssuer() || !GetBuf.isSingleIssuerSupported();
            }
        };
    }

    @Override
    public void initialize() {
        if (initialized) {
            // an event loop that may change threads calls this again each time it resumes
            return;
        }
        initialized = true;
        if (executor instanceof SingleThreadEventExecutor) {
            // A shutdown without a quiet period can end the run loop between its isShuttingDown() check and
            // confirmShutdown(), so prepareToDestroy is never called and channels would first be closed in
            // destroy(), when the loop takes no more tasks: their channelInactive and channelUnregistered would be
            // lost. Shutdown hooks run inside confirmShutdown, while the loop still runs the tasks a close queues.
            ((SingleThreadEventExecutor) executor).addShutdownHook(this::closeAllAndDrain);
        }
        try {
            // Runs on the event loop thread: with SINGLE_ISSUER this binds the ring to it.
            ring.enable();
            GetBufBufferRingConfig ringConfig = config.bufferRing();
            if (ringConfig != null) {
                if (GetBuf.isBufferRingSupported()) {
                    bufferRing = BufferRing.create(ring.fd(), ringConfig);
                } else {
                    // feature detection: the loop reads without one, as on a kernel before provided buffer rings
                    logger.info("no provided buffer ring on this kernel (IORING_REGISTER_PBUF_RING): {} reads "
                            + "into buffers of its channels' allocators", executor);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs {@code task} on this loop's thread: now if called there, else as a task; not at all once the loop is gone
     * (and with it what the task would give back to).
     */
    void runOnLoop(Runnable task) {
        if (executor.isExecutorThread(Thread.currentThread())) {
            task.run();
            return;
        }
        try {
            executor.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            logger.debug("{} is gone: {} not run", executor, task);
        }
    }

    /** Injects {@code faults} into this loop (tests; null: none). Event loop only. */
    void injectFaults(FaultInjector faults) {
        this.faults = faults;
        fileStrategies.injectFaults(faults);
    }

    /** This loop's ways of sending file regions. */
    FileSendStrategies fileStrategies() {
        return fileStrategies;
    }

    /** What this loop's channels sent of file regions, per strategy (channels add to it as they send). */
    GetBufFileSendStats fileSendStats() {
        return fileSendStats;
    }

    /**
     * What the channels of a getbuf event loop sent of file regions, per {@link GetBufFileStrategy}, since the loop
     * started; {@code null} if {@code loop} is not a live getbuf event loop.
     *
     * @param loop an event loop
     * @return the loop's counters, live (they go on growing; read them from any thread), or {@code null}
     */
    public static GetBufFileSendStats fileSendStats(EventLoop loop) {
        GetBufIoHandler handler = HANDLERS.get(loop);
        return handler == null ? null : handler.fileSendStats;
    }

    /**
     * A direct buffer of {@code capacity} bytes (at most 1 GiB) registered with {@code loop}'s ring: written to a
     * getbuf channel of that loop it is sent with {@code IORING_OP_SEND_ZC} from the registered memory, without a copy
     * into the socket; the channel keeps a reference until the kernel's notification says the socket is done with
     * the memory, so the buffer can be released (or reused after release) as soon as the write's future completes.
     * Written to a channel of another loop, or of another transport, it is an ordinary direct buffer (copied).
     *
     * <p>Its capacity is fixed. The loop has {@link GetBufIoHandlerConfig#setRegisteredBuffers} slots, the first
     * {@link GetBufIoHandlerConfig#fileChunks()} of them for file chunks; with every other slot held by an unreleased
     * buffer the future completes when one is released (back-pressure). Callable from any thread; the memory is
     * pinned, and for an unprivileged user counted against {@code RLIMIT_MEMLOCK}.
     *
     * @param loop     the getbuf event loop whose channels send the buffer without a copy
     * @param capacity the buffer's capacity in bytes, 1 to 1 GiB ({@code 1 << 30})
     * @return a future, completed on {@code loop}, with the buffer (empty, writable, owned by the caller, who
     *         releases it); it fails with an {@link IllegalStateException} when the loop is shut down or has no
     *         registered-buffer table (see {@link GetBuf#isRegisteredBuffersSupported()}), an {@link IOException}
     *         when the kernel refuses to register the memory ({@code RLIMIT_MEMLOCK}), or an
     *         {@link OutOfMemoryError} when there is no direct memory for it
     * @throws IllegalArgumentException if {@code loop} is not a live getbuf event loop, or {@code capacity} is not
     *                                  1 to 1 GiB
     */
    public static Future<ByteBuf> allocateRegistered(EventLoop loop, int capacity) {
        GetBufIoHandler handler = HANDLERS.get(loop);
        if (handler == null) {
            throw new IllegalArgumentException(loop + " is not a live getbuf event loop");
        }
        return handler.fileStrategies.registeredBuffers().allocate(capacity);
    }

    /** This loop's {@link GetBufFiles#read} calls (created on first use; callable from any thread). */
    FileReads fileReads() {
        return fileStrategies.fileReads(this);
    }

    /**
     * What {@code loop} has done and holds ({@link GetBufLoopStats}), taken on its thread: the future completes at
     * its next iteration (at once when called there).
     *
     * @param loop a getbuf event loop
     * @return a future of the loop's figures at that moment (a snapshot: it does not change afterwards)
     * @throws IllegalArgumentException if {@code loop} is not a live getbuf event loop
     */
    public static Future<GetBufLoopStats> stats(EventLoop loop) {
        GetBufIoHandler handler = HANDLERS.get(loop);
        if (handler == null) {
            throw new IllegalArgumentException(loop + " is not a live getbuf event loop");
        }
        if (loop.inEventLoop()) {
            return loop.newSucceededFuture(handler.stats());
        }
        return loop.submit((Callable<GetBufLoopStats>) handler::stats);
    }

    /**
     * The sum of {@link #stats(EventLoop)} over the getbuf loops of {@code group}.
     *
     * @param group an event loop group; its loops that are not live getbuf loops are left out
     * @return a future of the summed figures ({@link GetBufLoopStats#sum}), completed once every loop answered; all
     *         0, with {@link GetBufLoopStats#loops()} 0, when the group has no getbuf loop; it fails as soon as one
     *         loop's figures fail
     */
    public static Future<GetBufLoopStats> stats(EventLoopGroup group) {
        List<Future<GetBufLoopStats>> each = new ArrayList<>();
        for (EventExecutor e : group) {
            if (e instanceof EventLoop && HANDLERS.get(e) != null) {
                each.add(stats((EventLoop) e));
            }
        }
        Promise<GetBufLoopStats> sum = ImmediateEventExecutor.INSTANCE.newPromise();
        AtomicInteger left = new AtomicInteger(each.size());
        if (each.isEmpty()) {
            sum.setSuccess(GetBufLoopStats.sum(List.of()));
        }
        for (Future<GetBufLoopStats> f : each) {
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    sum.tryFailure(done.cause());
                } else if (left.decrementAndGet() == 0) {
                    List<GetBufLoopStats> all = new ArrayList<>();
                    for (Future<GetBufLoopStats> g : each) {
                        all.add(g.getNow());
                    }
                    sum.trySuccess(GetBufLoopStats.sum(all));
                }
            });
        }
        return sum;
    }

    /** This loop's figures; event loop only. */
    GetBufLoopStats stats() {
        FileSendStrategies s = fileStrategies;
        RegisteredByteBufAllocator users = s.slotBuffersInUse() ? s.registeredBuffers() : null;
        FileChunks chunks = s.chunks();
        int chunkCount = chunks.chunks();
        return new GetBufLoopStats(enterCalls, sqesSubmitted, completions, cqOverflowFlushes, deferredCompletions,
                bufferRingExhausted, users == null ? 0 : users.waits(), s.pipes().exhausted(),
                s.table().updateCalls(), sendfileCalls, users == null ? 0 : users.lent(),
                chunkCount - chunks.freeChunks(), chunkCount,
                s.table().transferSlots(), s.pipes().lentPipes(), 1);
    }

    /** A channel found every buffer of the ring taken (counted; event loop only). */
    void countBufferRingExhausted() {
        bufferRingExhausted++;
    }

    /** A transfer fell back to another strategy: counted by the caller, logged here once per cause. */
    void logFallback(GetBufFileStrategy strategy, Throwable cause) {
        Set<String> logged = fallbackCausesLogged.computeIfAbsent(strategy, k -> new HashSet<>());
        if (logged.size() < 64 && logged.add(String.valueOf(cause.getMessage()))) {
            logger.info("{}: {} transfers fall back to SENDFILE: {} (logged once per cause)", executor, strategy,
                    cause.getMessage());
        }
    }

    /** The handler of a live getbuf event loop, or null (tests, diagnostics). */
    static GetBufIoHandler handlerOf(EventLoop loop) {
        return HANDLERS.get(loop);
    }

    /** The provided-buffer ring of this loop, or {@code null}. */
    BufferRing bufferRing() {
        return bufferRing;
    }

    @Override
    public int run(IoHandlerContext context) {
        // One io_uring_enter per iteration: it submits what the previous iteration queued (the
        // SQEs that completions and tasks produced) and, when the loop may block, waits.
        // Registered-buffer slots released since the last iteration are emptied first, in one batch.
        try {
            fileStrategies.flushTableUpdates();
        } catch (Throwable t) {
            // a loop never dies of one waiter's error
            logger.warn("emptying registered-buffer slots failed", t);
        }
        if (!cq.hasCompletions() && deferred.isEmpty() && context.canBlock()) {
            armEventFdRead();
            long deadline = context.deadlineNanos();
            if (deadline != -1) {
                armTimer(context.delayNanos(System.nanoTime()));
            }
            enter(1);
        } else if (sq.pending() > 0 || !cq.hasCompletions()) {
            enter(0);
        }
        int processed = 0;
        for (;;) {
            processed += processCompletions();
            if (!ring.cqOverflowed()) {
                load.update(processed);
                completions += processed;
                return processed;
            }
            // The kernel holds completions that did not fit: have it flush them into the CQ.
            cqOverflowFlushes++;
            enter(0);
        }
    }

    /** Dispatches the deferred completions and everything in the CQ, oldest first; returns how many. */
    private int processCompletions() {
        int n = 0;
        for (;;) {
            n += deferred.dispatch(completionCallback);
            int got = cq.process(completionCallback);
            n += got;
            if (got == 0 && deferred.isEmpty()) {
                return n;
            }
        }
    }

    /** See {@link LoopLoad}. */
    boolean isBusy() {
        Boolean o = busyOverride;
        return o != null ? o : load.isBusy();
    }

    /** Tests: fix what {@link #isBusy()} says ({@code null}: measure again). Event loop only. */
    void overrideBusy(Boolean busy) {
        busyOverride = busy;
    }

    private int enter(int minComplete) {
        if (chainOwner != NO_CHAIN) {
            // never submit half a chain: whoever opened it failed to finish it (an exception between its links)
            logger.warn("a linked chain of registration {} was left open; ended before submitting", chainOwner);
            endChain();
        }
        int res = faults != null ? faults.enter(ring, minComplete) : ring.submit(minComplete);
        enterCalls++;
        if (res > 0) {
            sqesSubmitted += res;
        }

        if (res < 0 && res != -Native.ERRNO_EINTR && res != -Native.ERRNO_EAGAIN
                && res != -Native.ERRNO_EBUSY && res != -Native.ERRNO_ETIME) {
            logger.warn("io_uring_enter failed: {}", Errors.newIOException("io_uring_enter", res).getMessage());
        }
        return res;
    }

    /**
     * Writes an SQE, submitting what is queued first when the SQ is full. Never dispatches a completion: the caller
     * may be a channel half-way through an update.
     *
     * <p>A linked chain (SQEs with {@code IOSQE_IO_LINK} and the one after the last of them) is one unit: the kernel
     * does not carry a link across {@code io_uring_enter}s, so a chain split between two submissions would let its
     * second part run before its first has. Whoever writes a chain {@link #reserve}s room for all of it first, and
     * nothing is submitted while a chain is open: an SQE that finds the SQ full in the middle of a chain ends the
     * chain where it stands and fails its submitter. A chain left open by a registration (an exception between two
     * of its links) is ended before another registration's SQE could join it.
     */
    long enqueue(int id, GetBufIoOps ops) {
        if (chainOwner != NO_CHAIN && chainOwner != id) {
            logger.warn("a linked chain of registration {} was left open; ended before {}'s SQE", chainOwner, id);
            endChain();
        }
        long userData = UserData.encode(id, ops.opcode, ops.data);
        if ((ops.flags & Native.IOSQE_CQE_SKIP_SUCCESS) != 0) {
            userData |= UserData.SILENT_ON_SUCCESS;
        }
        while (sq.remaining() == 0) {
            if (chainOwner != NO_CHAIN) {
                endChain();
                throw new IllegalStateException("a linked chain does not fit the " + sq.capacity()
                        + "-entry submission queue: its room was not reserved");
            }
            makeRoom();
        }
        sq.enqueue(ops.opcode, ops.flags, ops.ioPrio, ops.fd, ops.off, ops.addr, ops.len, ops.opFlags, userData,
                ops.bufIndex, ops.spliceFdIn, ops.addr3);
        chainOwner = (ops.flags & Native.IOSQE_IO_LINK) != 0 ? id : NO_CHAIN;
        return userData;
    }

    /**
     * Makes sure a chain of {@code sqes} entries fits the submission queue whole, submitting what is queued first
     * if need be (everything queued is whole chains). Inside an open chain (a write whose linked followers are
     * being written) nothing may be submitted: the room must be there already.
     *
     * @throws IllegalArgumentException if the chain is longer than the submission queue
     */
    void reserve(int sqes) {
        if (sqes > sq.capacity()) {
            throw new IllegalArgumentException("a chain of " + sqes + " SQEs is longer than the " + sq.capacity()
                    + "-entry submission queue");
        }
        if (chainOwner != NO_CHAIN) {
            if (sq.remaining() < sqes) {
                endChain();
                throw new IllegalStateException("no room for " + sqes + " more SQEs in an open chain");
            }
            return;
        }
        while (sq.remaining() < sqes || faults != null && faults.sqFull(sqes)) {
            makeRoom();
        }
    }

    /** Ends an open chain where it stands (its last SQE is unlinked); a no-op when none is open. */
    void endChain() {
        if (chainOwner != NO_CHAIN) {
            chainOwner = NO_CHAIN;
            sq.unlinkLast();
        }
    }

    /** The longest chain the submission queue holds. */
    int maxChain() {
        return sq.capacity();
    }

    /**
     * Submits what is queued (whole chains) to make room in the SQ. If the kernel takes none of it (-EBUSY while
     * completions wait for room in the CQ, -EAGAIN), makes room in the CQ, keeping the completions for the loop.
     */
    private void makeRoom() {
        int before = sq.remaining();
        int res;
        if (refuseWhenFull) {
            refuseWhenFull = false; // tests: as if the kernel had taken none of the queued SQEs
            res = -Native.ERRNO_EBUSY;
        } else {
            res = enter(0);
        }
        if (sq.remaining() > before) {
            refusedInARow = 0;
            return;
        }
        deferredCompletions += cq.takeAll(deferred);
        if (++refusedInARow >= MAX_REFUSED_SUBMITS) {
            refusedInARow = 0;
            throw new IllegalStateException("io_uring_enter took no submission " + MAX_REFUSED_SUBMITS
                    + " times in a row: " + Errors.newIOException("io_uring_enter", res).getMessage());
        }
    }

    private void armEventFdRead() {
        if (!eventFdReadArmed && !destroyed) {
            eventFdReadArmed = true;
            internalOutstanding++;
            enqueue(EVENTFD_ID, ops.read(eventFd, scratch, Long.BYTES, NO_DATA));
        }
    }

    private void armTimer(long delayNanos) {
        long now = System.nanoTime();
        long deadline = now + Math.max(0, delayNanos);
        if (timerArmed && deadline >= timerDeadline - TimeUnit.MICROSECONDS.toNanos(50)) {
            // the armed timer fires first (at worst a little early: the loop then re-arms)
            return;
        }
        long ts = scratch + 8;
        PlatformDependent.putLong(ts, delayNanos / 1_000_000_000L);
        PlatformDependent.putLong(ts + 8, delayNanos % 1_000_000_000L);
        // the kernel copies the timespec when it takes the SQE, so one scratch area suffices
        if (timerArmed) {
            enqueue(TIMER_ID, ops.timeoutUpdate(TIMER_USER_DATA, ts, NO_DATA));
        } else {
            enqueue(TIMER_ID, ops.timeout(ts, NO_DATA));
            timerArmed = true;
        }
        internalOutstanding++;
        timerDeadline = deadline;
    }

    private void complete(int res, int flags, long userData) {
        int id = UserData.id(userData);
        byte op = UserData.op(userData);

        switch (id) {
            case EVENTFD_ID:
                internalOutstanding--;
                eventFdReadArmed = false;
                wakeupPending.set(false);
                return;
            case TIMER_ID:
                internalOutstanding--;
                if (op == Native.IORING_OP_TIMEOUT || res == -Native.ERRNO_ENOENT) {
                    // fired, cancelled, or (ENOENT) the update came after it had fired
                    if (op == Native.IORING_OP_TIMEOUT) {
                        timerArmed = false;
                    }
                }
                return;
            case DRAIN_ID:
                drainTimerArmed = false;
                return;
            default:
                break;
        }
        Registration registration = registrations.get(id);
        if (registration == null) {
            logger.debug("completion for unknown registration {} (op {}, res {})", id, op, res);
            return;
        }
        registration.complete(res, zeroCopyFlags(op, res, flags), op, UserData.data(userData),
                UserData.isSilentOnSuccess(userData));
    }

    /**
     * A zero-copy send whose link failed (an operation before it in its chain failed) completes with
     * {@code -ECANCELED} and no {@code IORING_CQE_F_MORE}, and yet its notification follows (6.12 fails links without
     * the opcode's fail hook, which sets the flag, and the cleanup still posts the notification). Marked as it should
     * have been, so that the send stays in flight until its notification, here and in its channel.
     */
    static int zeroCopyFlags(byte op, int res, int flags) {
        if (op == Native.IORING_OP_SEND_ZC && res == -Native.ERRNO_ECANCELED
                && (flags & (Native.IORING_CQE_F_MORE | Native.IORING_CQE_F_NOTIF)) == 0) {
            return flags | Native.IORING_CQE_F_MORE;
        }
        return flags;
    }

    @Override
    public void wakeup() {
        if (!executor.isExecutorThread(Thread.currentThread()) && !wakeupPending.getAndSet(true)) {
            Native.eventFdWrite(eventFd, 1L);
        }
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return GetBufIoHandle.class.isAssignableFrom(handleType);
    }

    @Override
    public IoRegistration register(IoHandle handle) {
        if (!(handle instanceof GetBufIoHandle)) {
            throw new IllegalArgumentException("not a GetBufIoHandle: " + handle);
        }
        if (shuttingDown) {
            throw new IllegalStateException("GetBufIoHandler is shutting down");
        }
        int id = newId();
        Registration registration = new Registration(id, (GetBufIoHandle) handle);
        registrations.put(id, registration);
        return registration;
    }

    private int newId() {
        for (;;) {
            int id = ++nextId;
            if (id <= 0 || id >= DRAIN_ID) {
                nextId = 0;
                continue;
            }
            if (!registrations.containsKey(id)) {
                return id;
            }
        }
    }

    /** Registrations not yet fully unregistered (for tests and leak checks). */
    int registrationCount() {
        return registrations.size();
    }

    @Override
    public void prepareToDestroy() {
        closeAllAndDrain();
    }

    private void closeAllAndDrain() {
        shuttingDown = true;
        List<Registration> copy = new ArrayList<>(registrations.values());
        for (Registration registration : copy) {
            try {
                registration.handle.close();
            } catch (Exception e) {
                logger.warn("failed to close {} on shutdown", registration.handle, e);
            }
        }
        drainAll();
    }

    /**
     * Waits until every operation submitted on this ring has completed, so that every buffer an
     * operation owns went back to its owner before the ring and the memory go away.
     */
    private void drainAll() {
        if (timerArmed) {
            internalOutstanding++;
            enqueue(TIMER_ID, ops.timeoutRemove(TIMER_USER_DATA, NO_DATA));
        }
        if (eventFdReadArmed) {
            Native.eventFdWrite(eventFd, 1L);
        }
        // one bound for the whole shutdown: prepareToDestroy (each iteration while shutting down), the shutdown hook
        // and destroy all drain, and an operation that never ends (a zero-copy notification whose peer never reads)
        // must not make each of them wait the whole time again
        if (!draining) {
            draining = true;
            drainDeadline = System.nanoTime() + SHUTDOWN_DRAIN_NANOS;
        }
        long deadline = drainDeadline;
        while ((internalOutstanding > 0 || outstandingOfRegistrations() > 0) && System.nanoTime() - deadline < 0) {
            if (!drainTimerArmed) {
                // bounds each wait, so that a stuck operation cannot hang shutdown; not counted
                // as outstanding work itself
                drainTimerArmed = true;
                long ts = scratch + 8;
                PlatformDependent.putLong(ts, 0);
                PlatformDependent.putLong(ts + 8, TimeUnit.MILLISECONDS.toNanos(100));
                enqueue(DRAIN_ID, ops.timeout(ts, NO_DATA));
            }
            enter(1);
            while (processCompletions() > 0 || ring.cqOverflowed()) {
                enter(0);
            }
        }
        int left = outstandingOfRegistrations();
        if (left > 0 && !drainWarned) {
            drainWarned = true;
            logger.warn("{} operations still in flight after {} ms; closing the ring cancels them", left,
                    TimeUnit.NANOSECONDS.toMillis(SHUTDOWN_DRAIN_NANOS));
        }
    }

    private int outstandingOfRegistrations() {
        int n = 0;
        for (Registration r : registrations.values()) {
            n += r.outstanding;
        }
        return n;
    }

    @Override
    public void destroy() {
        if (destroyed) {
            return;
        }
        // The loop may end without prepareToDestroy (a shutdown requested after its last
        // check): close and drain here too, so nothing in flight outlives the ring.
        closeAllAndDrain();
        destroyed = true;
        boolean quiescent = internalOutstanding == 0 && outstandingOfRegistrations() == 0;
        // Registrations with nothing in flight end with the ring: their handles free what they own. Those with
        // operations still in flight keep it: closing the ring cancels the operations, but the kernel may finish
        // with their memory after close() returns.
        for (Registration r : new ArrayList<>(registrations.values())) {
            if (r.outstanding == 0) {
                r.remove();
            }
        }
        if (bufferRing != null) {
            bufferRing.close(quiescent);
        }
        fileStrategies.closeRegisteredBuffers(); // waiting allocations fail; buffers in use stay valid
        fileStrategies.closeFileMappings(); // buffers in use keep theirs
        if (quiescent) {
            fileStrategies.close();
        }
        HANDLERS.remove(executor, this);
        ring.close();
        Native.close(eventFd);
        if (quiescent) {
            PlatformDependent.freeMemory(scratch);
        }
    }

    /** Ties one {@link GetBufIoHandle} to the ring; counts its operations in flight. */
    final class Registration implements IoRegistration {
        final int id;
        final GetBufIoHandle handle;
        int outstanding;
        /** Of those, zero-copy sends whose result is in and whose notification is not: they no longer name the fd. */
        int notifying;
        private boolean fdIdleSignalled;
        private volatile boolean cancelled;
        private boolean removed;

        Registration(int id, GetBufIoHandle handle) {
            this.id = id;
            this.handle = handle;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T attachment() {
            return (T) GetBufIoHandler.this;
        }

        @Override
        public long submit(IoOps ops) {
            if (!executor.isExecutorThread(Thread.currentThread())) {
                throw new IllegalStateException("submit must be called from the event loop");
            }
            if (removed || destroyed) {
                return 0;
            }
            long userData = enqueue(id, (GetBufIoOps) ops);
            if (!UserData.isSilentOnSuccess(userData)) {
                outstanding++; // only once it is written: a refused SQE never reports back
            }
            // one silent on success is not counted: it reports only if it fails, and it always has a follower in
            // its chain (counted) that reports after it
            return userData;
        }

        @Override
        public boolean isValid() {
            return !cancelled;
        }

        @Override
        public boolean cancel() {
            if (cancelled) {
                return false;
            }
            cancelled = true;
            if (executor.isExecutorThread(Thread.currentThread())) {
                removeIfDone();
            } else {
                executor.execute(this::removeIfDone);
            }
            return true;
        }

        void complete(int res, int flags, byte op, short data, boolean silentOnSuccess) {
            if ((flags & Native.IORING_CQE_F_NOTIF) != 0) {
                // none counted: the notification of a send whose result a failed IOSQE_CQE_SKIP_SUCCESS operation
                // before it in its chain silenced (the send stayed counted in outstanding until now, so the fd
                // fell idle later than it could have, never sooner)
                if (notifying > 0) {
                    notifying--;
                }
            } else if ((flags & Native.IORING_CQE_F_MORE) != 0 && op == Native.IORING_OP_SEND_ZC) {
                notifying++;
            }
            if ((flags & Native.IORING_CQE_F_MORE) == 0 && !silentOnSuccess) {
                outstanding--;
            }
            event.set(res, flags, op, data);
            try {
                handle.handle(this, event);
            } catch (Throwable t) {
                logger.warn("{} failed to handle {}", handle, event, t);
            }
            if (cancelled) {
                removeIfDone();
            }
        }

        private void removeIfDone() {
            if (removed) {
                return;
            }
            if (outstanding == notifying && !fdIdleSignalled) {
                fdIdleSignalled = true;
                try {
                    handle.fdIdle();
                } catch (Throwable t) {
                    logger.warn("{} failed when its fd fell idle", handle, t);
                }
            }
            if (outstanding == 0) {
                remove();
            }
        }

        /** Ends the registration; nothing of it may be in flight. */
        void remove() {
            removed = true;
            cancelled = true;
            registrations.remove(id);
            try {
                handle.unregistered();
            } catch (Throwable t) {
                // one handle's failure must not end the event loop (this may run inside IoHandler.run)
                logger.warn("{} failed to end its registration", handle, t);
            }
        }

        @Override
        public String toString() {
            return "Registration{id=" + id + ", outstanding=" + outstanding + ", cancelled=" + cancelled + '}';
        }
    }
}
