/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.unix.Errors;

import java.io.IOException;

/**
 * {@link GetBufFileStrategy#SPLICE}: file -> pipe linked to pipe -> socket ({@code IORING_OP_SPLICE}), through a
 * pipe from the loop's {@link PipePool}. A socket that is full answers -EAGAIN (the kernel runs splices on io-wq
 * workers, which do not wait on a non-blocking socket): what is left in the pipe goes out after a POLLOUT poll.
 */
final class SpliceStrategy implements FileSendStrategy {
    private static final int POLLOUT = 0x0004;
    private static final int SPLICE_F_MOVE = 1;
    // never wait on the pipe in the io-wq worker: a splice that would is a bug here, and waiting there would hang
    // the transfer (the socket side is non-blocking through the socket's own O_NONBLOCK)
    private static final int SPLICE_F_NONBLOCK = 2;
    private static final int SPLICE_F_MORE = 4;
    private static final int PAGE_SIZE = 4096;
    private static final int STEP_IN = 0;
    private static final int STEP_OUT = 1;
    private static final int STEP_WRITABLE = 2;
    private static final long NO_OFFSET = -1;

    private final PipePool pipes;
    private final FileTransfer.FallBack noPipe;

    SpliceStrategy(PipePool pipes) {
        this.pipes = pipes;
        this.noPipe = new FileTransfer.FallBack("no pipe for SPLICE: the loop's transfers hold all "
                + pipes.maxPipes());
    }

    @Override
    public GetBufFileStrategy kind() {
        return GetBufFileStrategy.SPLICE;
    }

    @Override
    public boolean isAvailable() {
        return GetBuf.isSpliceSupported();
    }

    @Override
    public FileTransfer newTransfer(FileTransfer.Host host) {
        return new Transfer(host);
    }

    @Override
    public void close() {
        pipes.close();
    }

    private final class Transfer extends FileTransfer {
        private PipePool.Pipe pipe;
        private long inPipe;     // bytes spliced into the pipe, not yet out of it

        Transfer(FileTransfer.Host host) {
            super(host, GetBufFileStrategy.SPLICE);
        }

        @Override
        void resume() {
            if (isEnded() || inFlightCount() > 0 || !host.canSubmit()) {
                return;
            }
            if (pipe == null) {
                try {
                    pipe = pipes.lend();
                } catch (IOException e) {
                    end(e);
                    return;
                }
                if (pipe == null) {
                    // every pipe the loop may have is lent, to transfers whose peers may never read: go on by a
                    // strategy that needs none rather than wait for them
                    end(noPipe);
                    return;
                }
            }
            if (inPipe > 0) {
                submitOut((int) inPipe);
                return;
            }
            // A pipe holds pipe.size / PAGE_SIZE page references: bytes that start inside a page need one more, so
            // an unaligned splice asks for less (a full pipe would stop it short, or hold it forever)
            int n = (int) Math.min(remaining(), pipe.size - (position & (PAGE_SIZE - 1)));
            reserve(2);
            try {
                submit(STEP_IN, host.ops().splice(fd, position, pipe.writeFd, NO_OFFSET, n,
                        SPLICE_F_MOVE | SPLICE_F_NONBLOCK, dataOf(STEP_IN)).linked());
                submitOut(n);
            } finally {
                chainWritten(STEP_IN, 2);
            }
        }

        @Override
        boolean isSend(int step) {
            return step == STEP_OUT;
        }

        private void submitOut(int n) {
            int flags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK | (remaining() > n ? SPLICE_F_MORE : 0);
            submit(STEP_OUT, host.ops().splice(pipe.readFd, NO_OFFSET, host.socketFd(), NO_OFFSET, n, flags,
                    dataOf(STEP_OUT)));
        }

        /** The bytes in the pipe, also after the end: a pipe that still holds some is closed, never lent again. */
        @Override
        void account(int step, int res) {
            if (res > 0 && step == STEP_IN) {
                inPipe += res;
            } else if (res > 0 && step == STEP_OUT) {
                inPipe -= res;
            }
        }

        @Override
        void onComplete(int step, int res, int flags) {
            switch (step) {
                case STEP_IN:
                    if (res > 0) {
                        // a short splice fails the link: the splice out comes back -ECANCELED and resume() sends
                        // what the pipe holds
                    } else if (res == 0) {
                        end(truncated());
                    } else if (res != -Native.ERRNO_ECANCELED && res != -Native.ERRNO_EAGAIN) {
                        // (-EAGAIN: the pipe had no room; what it holds goes out first, then the file again)
                        end(Errors.newIOException("splice from the file", res));
                    }
                    break;
                case STEP_OUT:
                    if (res > 0) {
                        advance(res);
                    } else if (res == -Native.ERRNO_EAGAIN) {
                        // wait for room, unless the registration is ending: a poll armed now would be cancelled by
                        // nothing, and hold the channel's close (and its fd) until a silent peer reads
                        if (host.canSubmit()) {
                            submit(STEP_WRITABLE, host.ops().pollAdd(host.socketFd(), POLLOUT,
                                    dataOf(STEP_WRITABLE)));
                        }
                        return;
                    } else if (res != -Native.ERRNO_ECANCELED) {
                        end(new SocketWriteException(Errors.newIOException("splice to the socket", res)));
                        return;
                    }
                    resume();
                    break;
                default: // STEP_WRITABLE
                    if (res < 0 && res != -Native.ERRNO_ECANCELED) {
                        end(new SocketWriteException(Errors.newIOException("poll", res)));
                        return;
                    }
                    resume();
                    break;
            }
        }

        @Override
        void releaseResources() {
            if (pipe != null) {
                PipePool.Pipe p = pipe;
                pipe = null;
                pipes.giveBack(p, inPipe == 0);
            }
            inPipe = 0; // a pipe that held bytes was closed with them: the next region starts with none
        }
    }
}
