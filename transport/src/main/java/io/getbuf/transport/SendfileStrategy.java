/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.unix.Errors;

/**
 * {@link GetBufFileStrategy#SENDFILE}: {@code sendfile(2)} on the event loop while the socket takes data, as Netty's
 * epoll transport and nginx do; when the socket is full, a one-shot POLLOUT poll on the ring says when to go on.
 */
final class SendfileStrategy implements FileSendStrategy {
    private static final int POLLOUT = 0x0004;
    private static final int STEP_WRITABLE = 0;
    // at most this much per call, and per turn before the loop serves other channels (a poll for writability
    // completes at once when the socket still has room)
    private static final long CHUNK = 1 << 20;
    private static final long TURN = 4 * CHUNK;

    @Override
    public GetBufFileStrategy kind() {
        return GetBufFileStrategy.SENDFILE;
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public FileTransfer newTransfer(FileTransfer.Host host) {
        return new Transfer(host);
    }

    private static final class Transfer extends FileTransfer {
        Transfer(FileTransfer.Host host) {
            super(host, GetBufFileStrategy.SENDFILE);
        }

        @Override
        void resume() {
            if (isInFlight(STEP_WRITABLE)) {
                return; // waiting for room
            }
            long turn = 0;
            // a listener of the progress below may close the channel: that ends (detaches) the transfer, and not
            // one byte more may go to the socket
            while (!isEnded()) {
                if (turn >= TURN) {
                    awaitWritable();
                    return;
                }
                long n = Native.sendfile(host.socketFd(), fd, position, Math.min(remaining(), CHUNK));
                home.sendfileCalls++;
                if (n > 0) {
                    turn += n;
                    advance(n);
                } else if (n == 0) {
                    end(truncated());
                } else if (n == -Native.ERRNO_EAGAIN) {
                    awaitWritable();
                    return;
                } else {
                    end(new SocketWriteException(Errors.newIOException("sendfile", (int) n)));
                }
            }
        }

        private void awaitWritable() {
            if (host.canSubmit()) {
                submit(STEP_WRITABLE, host.ops().pollAdd(host.socketFd(), POLLOUT, dataOf(STEP_WRITABLE)));
            }
        }

        @Override
        void onComplete(int step, int res, int flags) {
            if (res == -Native.ERRNO_ECANCELED) {
                return; // deregistered: the next registration resumes
            }
            if (res < 0) {
                end(new SocketWriteException(Errors.newIOException("poll", res)));
                return;
            }
            resume();
        }

        @Override
        boolean isSend(int step) {
            return false; // sendfile(2) runs here; the ring only polls for room
        }

        @Override
        void releaseResources() {
            // nothing pooled
        }
    }
}
