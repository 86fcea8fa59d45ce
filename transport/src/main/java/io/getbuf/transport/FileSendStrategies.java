/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.netty.util.concurrent.EventExecutor;

import java.util.EnumMap;
import java.util.HashSet;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The {@link FileSendStrategy} instances of one event loop (and what they pool), and the choice per region: the
 * channel's {@link GetBufChannelOption#FILE_STRATEGY}, or for {@link GetBufFileStrategy#AUTO} the fastest measured
 * here for the region's size; a strategy this kernel lacks falls back to sendfile.
 */
final class FileSendStrategies {
    /** Idle registered buffers kept in their slots for reuse, in bytes. */
    private static final long REGISTERED_CACHE_BYTES = 8L << 20;
    private final Map<GetBufFileStrategy, FileSendStrategy> strategies = new EnumMap<>(GetBufFileStrategy.class);
    private final FileSendStrategy fallback;
    private final int ringFd;
    private final GetBufIoHandlerConfig config;
    // created with the loop (registered on first use): reached from users' threads too (allocateRegistered), and a
    // lazily created table could be created twice there
    private final RegisteredBufferTable table;
    private final FileChunks chunks;
    private final PipePool pipes;
    private final EventExecutor loop;
    // created on first use from any thread (GetBufIoHandler.allocateRegistered, GetBufFiles.read)
    private volatile RegisteredByteBufAllocator registered;
    private volatile FileReads fileReads;
    private final Set<Long> devicesWithoutProvider = new HashSet<>();

    FileSendStrategies(int ringFd, GetBufIoHandlerConfig config, ScheduledExecutorService loop) {
        this.ringFd = ringFd;
        this.config = config;
        this.loop = loop instanceof EventExecutor ? (EventExecutor) loop : null;
        table = new RegisteredBufferTable(ringFd, config.registeredBuffers(), config.fileChunks());
        chunks = new FileChunks(table, config.fileChunks(), config.fileChunkSize());
        fallback = add(new SendfileStrategy());
        pipes = new PipePool(config.maxPipes(), config.pipeSize(), loop);
        add(new SpliceStrategy(pipes));
        add(ReadSendStrategy.readFixed(chunks));
        add(ReadSendStrategy.readFixedZeroCopy(chunks));
        add(ReadSendStrategy.copy());
        add(new GetBufStrategy(table, config.getBufChunkSize()));
    }

    /** The ring's registered-buffer table (registered on first use). */
    RegisteredBufferTable table() {
        return table;
    }

    /** The loop's registered file chunks (registered on first use). */
    FileChunks chunks() {
        return chunks;
    }

    void injectFaults(FaultInjector faults) {
        table.faults = faults;
    }

    /** Users' registered buffers, in the table's slots after the file chunks (created on first use). */
    synchronized RegisteredByteBufAllocator registeredBuffers() {
        if (registered == null) {
            if (loop == null) {
                throw new IllegalStateException("registered buffers need an EventExecutor loop");
            }
            registered = new RegisteredByteBufAllocator(table(), loop, REGISTERED_CACHE_BYTES);
        }
        return registered;
    }

    /** This loop's file reads ({@link GetBufFiles#read}), created on first use. */
    synchronized FileReads fileReads(GetBufIoHandler handler) {
        if (fileReads == null) {
            if (loop == null) {
                throw new IllegalStateException("file reads need an EventExecutor loop");
            }
            fileReads = new FileReads(handler, this, loop);
        }
        return fileReads;
    }

    /**
     * Whether anything on this loop put a buffer of its own in a table slot (a registered buffer, a file read): until
     * then no written buffer can be one, and channels need not look.
     */
    boolean slotBuffersInUse() {
        return registered != null || fileReads != null;
    }

    /** Whether {@code fd}'s file system was found to lend no pages to GET_BUF. */
    boolean lendsNoPages(int fd) {
        return !devicesWithoutProvider.isEmpty() && devicesWithoutProvider.contains(Native.fileDevice(fd));
    }

    /** Applies the table's queued slot updates: once per loop iteration, before the ring is entered. */
    void flushTableUpdates() {
        table.flushUpdates();
    }

    PipePool pipes() {
        return pipes;
    }

    FileSendStrategy strategy(GetBufFileStrategy kind) {
        return strategies.get(kind);
    }

    private FileSendStrategy add(FileSendStrategy s) {
        strategies.put(s.kind(), s);
        return s;
    }

    /**
     * The strategy for a region of {@code size} bytes of the file {@code fd} when the channel asks for
     * {@code requested}: GET_BUF (asked for, or by AUTO where the kernel has it) unless the file's file system was
     * found to lend no pages; SENDFILE for a region that fell back ({@code fellBack}: a previous transfer of it ended
     * with a {@link FileTransfer.FallBack}) and wherever the kernel lacks the strategy.
     */
    FileSendStrategy choose(GetBufFileStrategy requested, long size, int fd, boolean fellBack) {
        if (fellBack) {
            return fallback;
        }
        GetBufFileStrategy kind = requested == null || requested == GetBufFileStrategy.AUTO ? auto(size) : requested;
        if (kind == GetBufFileStrategy.GET_BUF && lendsNoPages(fd)) {
            kind = auto0(size);
        }
        FileSendStrategy s = strategies.get(kind);
        return s != null && s.isAvailable() ? s : fallback;
    }

    /** A GET_BUF found no provider for this device's file system: its files go on with another strategy. */
    void noProvider(long device) {
        devicesWithoutProvider.add(device);
    }

    private GetBufFileStrategy auto(long size) {
        return strategies.get(GetBufFileStrategy.GET_BUF).isAvailable() ? GetBufFileStrategy.GET_BUF : auto0(size);
    }

    /**
     * Without GET_BUF, SENDFILE at every size: no other strategy was ahead of it beyond the error at 4 KiB to 16 MiB
     * in FileSendBenchmark here (benchmarks/README.md).
     */
    private static GetBufFileStrategy auto0(long size) {
        return GetBufFileStrategy.SENDFILE;
    }

    void closeRegisteredBuffers() {
        if (registered != null) {
            registered.close();
        }
    }

    /**
     * The loop ends: its file reads' cached mappings go (those buffers still use go with the last of them), whether
     * or not the reads ever registered with the ring (and so were closed with its registrations).
     */
    void closeFileMappings() {
        FileReads reads = fileReads;
        if (reads != null) {
            reads.mappings().close();
        }
    }

    void close() {
        for (FileSendStrategy s : strategies.values()) {
            s.close();
        }
        table.close();
        chunks.close();
    }
}
