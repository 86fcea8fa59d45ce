/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */

/**
 * The JNI library of getbuf for Linux on x86-64 ({@code META-INF/native}); no classes. The module
 * {@code io.getbuf.transport} requires it, so that on the module path it is resolved (and its
 * library found) without an {@code --add-modules}.
 */
@SuppressWarnings("module") // "x86_64" ends in digits, as the architecture and Netty's native modules do
module io.getbuf.transport.linux.x86_64 {
}
