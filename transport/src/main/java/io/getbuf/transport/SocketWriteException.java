/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import java.io.IOException;

/**
 * Marks a failure of a file transfer that is the socket's (the peer went away, the connection was reset): the
 * channel then fails the write and closes, where a failure of the file (truncated, unreadable) fails the write alone.
 */
final class SocketWriteException extends IOException {
    private static final long serialVersionUID = 1L;

    SocketWriteException(IOException cause) {
        super(cause.getMessage(), cause);
    }
}
