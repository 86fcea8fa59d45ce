/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The {@link FileSendStrategy} instances of one event loop (and what they pool), and the choice per region: the
 * channel's {@link GetBufChannelOption#FILE_STRATEGY}, or for {@link GetBufFileStrategy#AUTO} the fastest measured
 * here for the region's size; a strategy this kernel lacks falls back to sendfile.
 */
final class FileSendStrategies {
    private final Map<GetBufFileStrategy, FileSendStrategy> strategies = new EnumMap<>(GetBufFileStrategy.class);
    private final FileSendStrategy fallback;
    private final int ringFd;
    private final GetBufIoHandlerConfig config;
    private RegisteredBufferTable table;
    private final PipePool pipes;

    FileSendStrategies(int ringFd, GetBufIoHandlerConfig config, ScheduledExecutorService loop) {
        this.ringFd = ringFd;
        this.config = config;
        fallback = add(new SendfileStrategy());
        pipes = new PipePool(config.maxPipes(), config.pipeSize(), loop);
        add(new SpliceStrategy(pipes));
        add(ReadSendStrategy.readFixed(this::table));
        add(ReadSendStrategy.copy());
    }

    /** The ring's registered-buffer table, created (not yet registered) on first use. */
    RegisteredBufferTable table() {
        if (table == null) {
            table = new RegisteredBufferTable(ringFd, config.registeredBuffers(), config.fileChunks(),
                    config.fileChunkSize());
        }
        return table;
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

    /** The strategy for a region of {@code size} bytes when the channel asks for {@code requested}. */
    FileSendStrategy choose(GetBufFileStrategy requested, long size) {
        GetBufFileStrategy kind = requested == null || requested == GetBufFileStrategy.AUTO ? auto(size) : requested;
        FileSendStrategy s = strategies.get(kind);
        return s != null && s.isAvailable() ? s : fallback;
    }

    private static GetBufFileStrategy auto(long size) {
        return GetBufFileStrategy.SENDFILE;
    }

    void close() {
        for (FileSendStrategy s : strategies.values()) {
            s.close();
        }
        if (table != null) {
            table.close();
        }
    }
}
