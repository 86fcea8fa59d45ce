/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.internal;

import io.netty.channel.DefaultFileRegion;
import io.netty.channel.unix.Unix;
import io.netty.util.internal.NativeLibraryLoader;
import io.netty.util.internal.PlatformDependent;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The JNI surface of {@code libgetbuf_transport_native}, plus the io_uring ABI constants the Java
 * side uses (they mirror {@code transport-native/src/main/c/getbuf_io_uring.h}). Every call
 * returns its result or {@code -errno}; nothing here throws on a failed syscall.
 */
public final class Native {
    private static final String LIBRARY_NAME = "getbuf_transport_native";

    // opcodes
    public static final byte IORING_OP_NOP = 0;
    public static final byte IORING_OP_READV = 1;
    public static final byte IORING_OP_WRITEV = 2;
    public static final byte IORING_OP_READ_FIXED = 4;
    public static final byte IORING_OP_WRITE_FIXED = 5;
    public static final byte IORING_OP_POLL_ADD = 6;
    public static final byte IORING_OP_POLL_REMOVE = 7;
    public static final byte IORING_OP_SENDMSG = 9;
    public static final byte IORING_OP_TIMEOUT = 11;
    public static final byte IORING_OP_TIMEOUT_REMOVE = 12;
    public static final byte IORING_OP_ACCEPT = 13;
    public static final byte IORING_OP_ASYNC_CANCEL = 14;
    public static final byte IORING_OP_LINK_TIMEOUT = 15;
    public static final byte IORING_OP_CONNECT = 16;
    public static final byte IORING_OP_CLOSE = 19;
    public static final byte IORING_OP_READ = 22;
    public static final byte IORING_OP_WRITE = 23;
    public static final byte IORING_OP_SEND = 26;
    public static final byte IORING_OP_RECV = 27;
    public static final byte IORING_OP_SPLICE = 30;
    public static final byte IORING_OP_SHUTDOWN = 34;
    public static final byte IORING_OP_SEND_ZC = 47;
    public static final byte IORING_OP_LAST_MAINLINE_6_12 = 58;

    // sqe->flags
    public static final byte IOSQE_FIXED_FILE = 1;
    public static final byte IOSQE_IO_DRAIN = 1 << 1;
    public static final byte IOSQE_IO_LINK = 1 << 2;
    public static final byte IOSQE_ASYNC = 1 << 4;
    public static final byte IOSQE_BUFFER_SELECT = 1 << 5;
    public static final byte IOSQE_CQE_SKIP_SUCCESS = 1 << 6;

    // io_uring_setup flags
    public static final int IORING_SETUP_CQSIZE = 1 << 3;
    public static final int IORING_SETUP_CLAMP = 1 << 4;
    public static final int IORING_SETUP_R_DISABLED = 1 << 6;
    public static final int IORING_SETUP_SUBMIT_ALL = 1 << 7;
    public static final int IORING_SETUP_COOP_TASKRUN = 1 << 8;
    public static final int IORING_SETUP_TASKRUN_FLAG = 1 << 9;
    public static final int IORING_SETUP_SINGLE_ISSUER = 1 << 12;
    public static final int IORING_SETUP_DEFER_TASKRUN = 1 << 13;
    public static final int IORING_SETUP_NO_SQARRAY = 1 << 16;

    // io_uring_params->features
    public static final int IORING_FEAT_SINGLE_MMAP = 1;
    public static final int IORING_FEAT_NODROP = 1 << 1;
    public static final int IORING_FEAT_SUBMIT_STABLE = 1 << 2;
    public static final int IORING_FEAT_FAST_POLL = 1 << 5;
    public static final int IORING_FEAT_EXT_ARG = 1 << 8;

    // io_uring_enter flags
    public static final int IORING_ENTER_GETEVENTS = 1;

    // sq ring flags
    public static final int IORING_SQ_CQ_OVERFLOW = 1 << 1;
    public static final int IORING_SQ_TASKRUN = 1 << 2;

    // cqe->flags
    public static final int IORING_CQE_F_BUFFER = 1;
    public static final int IORING_CQE_F_MORE = 1 << 1;
    public static final int IORING_CQE_F_SOCK_NONEMPTY = 1 << 2;
    public static final int IORING_CQE_F_NOTIF = 1 << 3;
    public static final int IORING_CQE_F_BUF_MORE = 1 << 4;
    public static final int IORING_CQE_BUFFER_SHIFT = 16;

    // send / recv / accept modifiers (sqe->ioprio)
    public static final short IORING_RECVSEND_POLL_FIRST = 1;
    public static final short IORING_RECV_MULTISHOT = 1 << 1;
    public static final short IORING_RECVSEND_FIXED_BUF = 1 << 2;
    public static final short IORING_ACCEPT_MULTISHOT = 1;
    public static final int IORING_POLL_ADD_MULTI = 1;
    public static final int MSG_DONTWAIT = 0x40;

    // timeout flags
    public static final int IORING_TIMEOUT_UPDATE = 1 << 1;

    // cancel flags
    public static final int IORING_ASYNC_CANCEL_ALL = 1;
    public static final int IORING_ASYNC_CANCEL_USERDATA = 1 << 4;

    // io_uring_register opcodes
    public static final int IORING_REGISTER_BUFFERS2 = 15;
    public static final int IORING_REGISTER_BUFFERS_UPDATE = 16;
    public static final int IORING_REGISTER_PROBE = 8;
    public static final int IORING_REGISTER_ENABLE_RINGS = 12;
    public static final int IORING_REGISTER_PBUF_RING = 22;
    public static final int IORING_UNREGISTER_PBUF_RING = 23;
    public static final int IORING_REGISTER_PBUF_STATUS = 26;
    public static final int IOU_PBUF_RING_INC = 2;
    public static final int IO_URING_OP_SUPPORTED = 1;

    // mmap offsets
    public static final long IORING_OFF_SQ_RING = 0L;
    public static final long IORING_OFF_CQ_RING = 0x8000000L;
    public static final long IORING_OFF_SQES = 0x10000000L;

    public static final int SIZEOF_SQE = 64;
    public static final int SIZEOF_CQE = 16;
    public static final int SIZEOF_PARAMS = 120;
    public static final int SIZEOF_KERNEL_TIMESPEC = 16;

    public static final int ERRNO_EINTR = 4;
    public static final int ERRNO_EAGAIN = 11;
    public static final int ERRNO_ENOMEM = 12;
    public static final int ERRNO_EPERM = 1;
    public static final int ERRNO_EBUSY = 16;
    public static final int ERRNO_EINVAL = 22;
    public static final int ERRNO_ENOSYS = 38;
    public static final int ERRNO_ENOENT = 2;
    public static final int ERRNO_ETIME = 62;
    public static final int ERRNO_ENOBUFS = 105;
    public static final int ERRNO_EALREADY = 114;
    public static final int ERRNO_ECANCELED = 125;
    public static final int ERRNO_ECONNRESET = 104;
    public static final int ERRNO_EINPROGRESS = 115;
    public static final int ERRNO_EOPNOTSUPP = 95;
    public static final int ERRNO_EBADF = 9;

    private static final Throwable LOAD_FAILURE;

    static {
        Throwable failure = null;
        try {
            // unix-common's natives (Socket, Errors, ...) are linked into our library and are
            // registered from its JNI_OnLoad; Unix makes sure that happens once per class loader.
            Unix.registerInternal(Native::loadLibrary);
        } catch (Throwable t) {
            failure = t;
        }
        LOAD_FAILURE = failure;
    }

    private Native() {
    }

    private static void loadLibrary() {
        String arch = PlatformDependent.normalizedArch();
        ClassLoader loader = PlatformDependent.getClassLoader(Native.class);
        try {
            NativeLibraryLoader.load(LIBRARY_NAME + '_' + arch, loader);
        } catch (UnsatisfiedLinkError e) {
            try {
                NativeLibraryLoader.load(LIBRARY_NAME, loader);
            } catch (UnsatisfiedLinkError e2) {
                e.addSuppressed(e2);
                throw e;
            }
        }
    }

    /** {@code null} when the library loaded, else why it did not. */
    public static Throwable loadFailure() {
        return LOAD_FAILURE;
    }

    /** The out-of-tree opcode's value, read from the C header so there is one source of truth. */
    public static byte getBufOpcode() {
        return (byte) getBufOpcode0();
    }

    public static native int ioUringSetup(int entries, long paramsAddress);

    public static native int ioUringEnter(int ringFd, int toSubmit, int minComplete, int flags,
                                          long arg, int argSize);

    public static native int ioUringRegister(int ringFd, int opcode, long arg, int nrArgs);

    public static native long mmap(int fd, long length, long offset);

    /** Page-aligned, zeroed anonymous memory (provided-buffer rings must be page aligned). */
    public static native long mmapAnonymous(long length);

    public static native int munmap(long address, long length);

    /**
     * A read-only shared mapping of {@code length} bytes of {@code fd} from {@code offset} (a multiple of the page
     * size): its address, or -errno.
     */
    public static native long mmapReadOnly(int fd, long length, long offset);

    /** A direct ByteBuffer over {@code length} bytes at {@code address}, which the caller owns and frees. */
    public static native ByteBuffer directBuffer(long address, int length);

    /** A close-on-exec duplicate of {@code fd}, or -errno. */
    public static native int dup(int fd);

    /** The fd of an open JDK {@link FileChannel}, or -EBADF (closed, or not the JDK's own implementation). */
    public static int fileChannelFd(FileChannel channel) {
        return fileChannelFd0(channel);
    }

    private static native int fileChannelFd0(FileChannel channel);

    public static native int eventFd();

    public static native int eventFdWrite(int fd, long value);

    /** Fills two ints at {@code fdsAddress} with a non-blocking, close-on-exec pipe. */
    public static native int pipe(long fdsAddress);

    public static native int close(int fd);

    /** fcntl(F_SETPIPE_SZ): the pipe's new capacity in bytes, or -errno. */
    public static native int setPipeSize(int fd, int size);

    /**
     * sendfile(2) of up to {@code count} bytes of {@code inFd} at {@code offset} to {@code outFd}: bytes sent (0 at
     * the end of the file) or -errno (-EAGAIN: the socket is full). The file's own position is not used.
     */
    public static native long sendfile(int outFd, int inFd, long offset, long count);

    /** The device number of the file system {@code fd}'s file is on ({@code fstat}'s st_dev), or -errno. */
    public static native long fileDevice(int fd);

    /** Whether {@code fd} is a regular file (false also when fstat fails). */
    public static boolean isRegularFile(int fd) {
        return isRegularFile0(fd) == 1;
    }

    private static native int isRegularFile0(int fd);

    /** The fd of an opened {@link DefaultFileRegion}'s FileChannel. */
    public static int fileRegionFd(DefaultFileRegion region) {
        return fileRegionFd0(region);
    }

    private static native int fileRegionFd0(DefaultFileRegion region);

    /** Sets what {@link DefaultFileRegion#transferred()} reports (as Netty's epoll transport does). */
    public static native void setFileRegionTransferred(DefaultFileRegion region, long transferred);

    private static native int getBufOpcode0();
}
