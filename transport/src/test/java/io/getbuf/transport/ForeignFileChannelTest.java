/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.Fixtures.Pace;
import io.getbuf.transport.Fixtures.Reader;
import io.getbuf.transport.testsuite.GetBufTest;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A {@link DefaultFileRegion} over a {@link FileChannel} that is not the JDK's own (a wrapper, say, that counts or
 * throttles): it has no file descriptor the transport may take (reading the JDK's private fd field from another class
 * is undefined behaviour, which {@code -Xcheck:jni} reports as a fatal error), so whatever strategy the channel asks
 * for, the region goes by its own {@code transferTo}, read and sent, byte-exact, counted as COPY.
 */
@GetBufTest(warmUp = false)
@Timeout(60)
class ForeignFileChannelTest {
    private static final long SIZE = (1 << 20) + 333;

    @RegisterExtension
    static final FileTransferFixture FIXTURE = new FileTransferFixture(SIZE);

    @ParameterizedTest
    @MethodSource("io.getbuf.transport.Fixtures#strategies")
    void aRegionOverAForeignFileChannelIsReadAndSent(GetBufFileStrategy strategy) throws Exception {
        EventLoopGroup loops = Fixtures.getbuf(1, new GetBufIoHandlerConfig());
        try {
            List<ChannelFuture> writes = new ArrayList<>();
            List<Channel> children = new ArrayList<>();
            Channel server = Fixtures.server(loops, strategy, children, ctx -> {
                ChannelFuture w = ctx.writeAndFlush(new DefaultFileRegion(foreign(), 0, SIZE));
                synchronized (writes) {
                    writes.add(w);
                }
                w.addListener(f -> ctx.close());
            });
            try {
                Reader r = Fixtures.connect(FIXTURE.clients(), server.localAddress(), SIZE, FileTransferTest::patternAt,
                        Pace.FULL_SPEED);
                Fixtures.awaitAll(List.of(r), 30);
                Fixtures.assertSucceeded(writes);
            } finally {
                server.close().sync();
            }
            GetBufFileSendStats stats = GetBufIoHandler.fileSendStats(loops.next());
            assertEquals(SIZE, stats.bytes(GetBufFileStrategy.COPY), stats.toString());
            assertEquals(SIZE, stats.totalBytes(), stats.toString());
            Fixtures.assertNothingLent(loops);
        } finally {
            Fixtures.shutdown(loops);
        }
    }

    private static FileChannel foreign() {
        try {
            return new Wrapper(FileChannel.open(FIXTURE.file(), StandardOpenOption.READ));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A FileChannel of the application's own: it delegates to the JDK's. */
    private static final class Wrapper extends FileChannel {
        private final FileChannel d;

        Wrapper(FileChannel d) {
            this.d = d;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return d.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return d.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return d.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return d.write(srcs, offset, length);
        }

        @Override
        public long position() throws IOException {
            return d.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            d.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return d.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            d.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            d.force(metaData);
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return d.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            return d.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return d.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            return d.write(src, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return d.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return d.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return d.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            d.close();
        }
    }
}
