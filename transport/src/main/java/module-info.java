/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */

/**
 * getbuf: a Netty 4.2 transport for Linux that drives sockets through io_uring and sends files to
 * sockets without copying them.
 *
 * <p>Only {@code io.getbuf.transport} is exported. The ring, the system calls and the kernel's
 * structures ({@code io.getbuf.transport.internal}) stay inside the module: code on the module
 * path cannot call them, not even by reflection. The native library comes from
 * {@code io.getbuf.transport.linux.x86_64} (the {@code linux-x86_64} classifier jar), which this
 * module requires so that it is resolved with it.
 */
module io.getbuf.transport {
    requires transitive io.netty.buffer;
    requires transitive io.netty.common;
    requires transitive io.netty.transport;
    requires transitive io.netty.transport.unix.common;
    requires io.getbuf.transport.linux.x86_64;

    exports io.getbuf.transport;
}
