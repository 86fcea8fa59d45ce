/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport;

import io.getbuf.transport.internal.Native;
import io.getbuf.transport.internal.Ring;
import io.getbuf.transport.internal.RingProbe;
import io.netty.channel.unix.Errors;
import io.netty.util.internal.PlatformDependent;
import io.netty.util.internal.SystemPropertyUtil;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Whether getbuf can run here, and what the kernel offers it. Everything is detected by asking
 * the kernel (a throwaway ring, {@code IORING_REGISTER_PROBE}, trial registrations), never by
 * comparing version numbers.
 */
public final class GetBuf {
    /**
     * Features to act as if the kernel lacked them (comma-separated, any case): {@code bufferRing},
     * {@code incrementalRing}, {@code multishot}, {@code sendZc}, {@code splice}, {@code registeredBuffers},
     * {@code singleIssuer}, {@code deferTaskrun}, {@code getBuf}. For running on a new kernel what an older one would
     * run (tests), and as a way out should a feature misbehave on some kernel.
     */
    public static final String DISABLE_PROPERTY = "io.getbuf.transport.disable";
    private static final Set<String> DISABLED = readDisabledFeatures();
    // read once: the is...Supported() answers are asked on hot paths (every write asks about SEND_ZC)
    private static final boolean ON_BUFFER_RING = !DISABLED.contains("bufferring");
    private static final boolean ON_INCREMENTAL_RING = !DISABLED.contains("incrementalring");
    private static final boolean ON_MULTISHOT = !DISABLED.contains("multishot");
    private static final boolean ON_SEND_ZC = !DISABLED.contains("sendzc");
    private static final boolean ON_SPLICE = !DISABLED.contains("splice");
    private static final boolean ON_REGISTERED_BUFFERS = !DISABLED.contains("registeredbuffers");
    private static final boolean ON_SINGLE_ISSUER = !DISABLED.contains("singleissuer");
    private static final boolean ON_DEFER_TASKRUN = !DISABLED.contains("defertaskrun");
    private static final boolean ON_GET_BUF = !DISABLED.contains("getbuf");
    private static final Throwable UNAVAILABILITY_CAUSE;
    private static final int SETUP_FLAGS;
    private static final int FEATURES;
    private static final RingProbe PROBE;

    static {
        Throwable cause = null;
        int setupFlags = 0;
        int features = 0;
        RingProbe probe = null;
        if (!"linux".equals(PlatformDependent.normalizedOs())) {
            cause = new UnsupportedOperationException("getbuf needs Linux (io_uring); this is "
                    + PlatformDependent.normalizedOs());
        } else if (Native.loadFailure() != null) {
            cause = new UnsatisfiedLinkError("could not load libgetbuf_transport_native: "
                    + Native.loadFailure());
            cause.initCause(Native.loadFailure());
        } else {
            try (Ring ring = Ring.open(8, 0, setupFlagsMask())) {
                ring.enable();
                setupFlags = ring.setupFlags();
                features = ring.features();
                probe = RingProbe.probe(ring);
                cause = missingRequirement(probe, features);
            } catch (IOException e) {
                cause = explainSetupFailure(e);
            } catch (Throwable t) {
                cause = t;
            }
        }
        UNAVAILABILITY_CAUSE = cause;
        SETUP_FLAGS = setupFlags;
        FEATURES = features;
        PROBE = probe;
    }

    private GetBuf() {
    }

    private static Set<String> readDisabledFeatures() {
        Set<String> set = new TreeSet<>();
        String value = SystemPropertyUtil.get(DISABLE_PROPERTY, "");
        List<String> known = Arrays.asList("bufferring", "incrementalring", "multishot", "sendzc",
                "splice", "registeredbuffers", "singleissuer", "defertaskrun", "getbuf");
        for (String f : value.split(",")) {
            String name = f.trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) {
                continue;
            }
            if (!known.contains(name)) {
                // a misspelt name must not pass for a feature switched off
                InternalLoggerFactory.getInstance(GetBuf.class).warn(
                        "-D{}: unknown feature '{}' ignored (known: bufferRing, incrementalRing, multishot, sendZc, "
                                + "splice, registeredBuffers, singleIssuer, deferTaskrun, getBuf)", DISABLE_PROPERTY, f.trim());
                continue;
            }
            set.add(name);
        }
        return set;
    }

    /**
     * The features switched off with {@link #DISABLE_PROPERTY} (lower case).
     *
     * @return an unmodifiable set of the known feature names the property lists, lower-cased; empty when none
     *         (unknown names are logged and left out)
     */
    public static Set<String> disabledFeatures() {
        return Collections.unmodifiableSet(DISABLED);
    }

    /** Optional setup flags rings may try: all but those of switched-off features. */
    static int setupFlagsMask() {
        int mask = -1;
        if (!ON_SINGLE_ISSUER) {
            mask &= ~(Native.IORING_SETUP_SINGLE_ISSUER | Native.IORING_SETUP_DEFER_TASKRUN);
        }
        if (!ON_DEFER_TASKRUN) {
            mask &= ~Native.IORING_SETUP_DEFER_TASKRUN;
        }
        return mask;
    }

    private static Throwable missingRequirement(RingProbe probe, int features) {
        if ((features & Native.IORING_FEAT_NODROP) == 0 || (features & Native.IORING_FEAT_FAST_POLL) == 0) {
            return new UnsupportedOperationException(
                    "io_uring lacks IORING_FEAT_NODROP/FAST_POLL (kernel older than 5.7): upgrade the kernel");
        }
        byte[] required = {Native.IORING_OP_ACCEPT, Native.IORING_OP_CONNECT, Native.IORING_OP_RECV,
                Native.IORING_OP_SEND, Native.IORING_OP_WRITEV, Native.IORING_OP_READ, Native.IORING_OP_TIMEOUT,
                Native.IORING_OP_TIMEOUT_REMOVE, Native.IORING_OP_ASYNC_CANCEL, Native.IORING_OP_CLOSE,
                Native.IORING_OP_SHUTDOWN};
        for (byte op : required) {
            if (!probe.isSupported(op)) {
                return new UnsupportedOperationException("io_uring opcode " + op
                        + " is not supported by this kernel (getbuf needs Linux 5.11 or later)");
            }
        }
        return null;
    }

    private static Throwable explainSetupFailure(IOException e) {
        String disabled = readSysctl("/proc/sys/kernel/io_uring_disabled");
        int errno = e instanceof Errors.NativeIoException ? -((Errors.NativeIoException) e).expectedErr() : 0;
        String why;
        if (disabled != null && !"0".equals(disabled)) {
            why = "io_uring is disabled by the sysctl kernel.io_uring_disabled=" + disabled
                    + " (set it to 0, or for 1 add the user to the group in kernel.io_uring_group)";
        } else if (errno == Native.ERRNO_ENOSYS) {
            why = "io_uring_setup is not implemented: the kernel is older than 5.1, built without "
                    + "CONFIG_IO_URING, or a seccomp filter (e.g. a container runtime's default profile) "
                    + "blocks it: allow io_uring_setup/enter/register";
        } else if (errno == Native.ERRNO_EPERM) {
            why = "io_uring_setup was denied (seccomp, an LSM policy, or kernel.io_uring_disabled)";
        } else if (errno == Native.ERRNO_ENOMEM) {
            why = "io_uring_setup ran out of locked memory: raise RLIMIT_MEMLOCK (ulimit -l) or use "
                    + "a kernel of 5.12 or later, which charges rings to the memory cgroup";
        } else {
            why = "io_uring_setup failed";
        }
        return new UnsupportedOperationException(why + ": " + e.getMessage(), e);
    }

    private static String readSysctl(String path) {
        Path p = Paths.get(path);
        try {
            return Files.exists(p) ? new String(Files.readAllBytes(p), StandardCharsets.US_ASCII).trim() : null;
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    /**
     * True when io_uring works here and has what the transport needs.
     *
     * @return true when the transport can be used; false on another OS, without the native library, or on a kernel
     *         whose io_uring is missing, disabled or too old ({@link #unavailabilityCause()} says which)
     */
    public static boolean isAvailable() {
        return UNAVAILABILITY_CAUSE == null;
    }

    /** Throws {@link UnsatisfiedLinkError} carrying {@link #unavailabilityCause()} when not available. */
    public static void ensureAvailability() {
        if (UNAVAILABILITY_CAUSE != null) {
            throw (Error) new UnsatisfiedLinkError("getbuf is not available: "
                    + UNAVAILABILITY_CAUSE.getMessage()).initCause(UNAVAILABILITY_CAUSE);
        }
    }

    /**
     * Why the transport cannot be used here (and what to do about it), or {@code null}.
     *
     * @return the cause, whose message says what to change; {@code null} when {@link #isAvailable()}
     */
    public static Throwable unavailabilityCause() {
        return UNAVAILABILITY_CAUSE;
    }

    /** The setup flags a ring gets on this kernel (IORING_SETUP_*). */
    static int setupFlags() {
        return SETUP_FLAGS;
    }

    /**
     * {@return whether rings can be bound to one thread ({@code IORING_SETUP_SINGLE_ISSUER}, Linux 6.0), unless
     * switched off with {@code singleIssuer}}
     */
    public static boolean isSingleIssuerSupported() {
        return (SETUP_FLAGS & Native.IORING_SETUP_SINGLE_ISSUER) != 0;
    }

    /**
     * {@return whether rings run completion work only when their loop enters the kernel
     * ({@code IORING_SETUP_DEFER_TASKRUN}, Linux 6.1), unless switched off with {@code deferTaskrun} or
     * {@code singleIssuer}}
     */
    public static boolean isDeferTaskrunSupported() {
        return (SETUP_FLAGS & Native.IORING_SETUP_DEFER_TASKRUN) != 0;
    }

    /**
     * {@return whether rings are spared interrupts for completion work: {@code IORING_SETUP_COOP_TASKRUN}
     * (Linux 5.19), or {@code DEFER_TASKRUN}, which replaces it}
     */
    public static boolean isCoopTaskrunSupported() {
        return isAvailable() && ((SETUP_FLAGS & Native.IORING_SETUP_COOP_TASKRUN) != 0 || isDeferTaskrunSupported());
    }

    /**
     * {@return whether a submission goes on past an entry that fails to be issued
     * ({@code IORING_SETUP_SUBMIT_ALL}, Linux 5.18)}
     */
    public static boolean isSubmitAllSupported() {
        return (SETUP_FLAGS & Native.IORING_SETUP_SUBMIT_ALL) != 0;
    }

    /**
     * {@return whether rings do without the submission queue's index array ({@code IORING_SETUP_NO_SQARRAY},
     * Linux 6.6)}
     */
    public static boolean isNoSqArraySupported() {
        return (SETUP_FLAGS & Native.IORING_SETUP_NO_SQARRAY) != 0;
    }

    /**
     * {@return whether queue sizes above the kernel's maximum are clamped rather than refused
     * ({@code IORING_SETUP_CLAMP}, Linux 5.6)}
     */
    public static boolean isClampSupported() {
        return (SETUP_FLAGS & Native.IORING_SETUP_CLAMP) != 0;
    }

    /**
     * Multishot accept came with IORING_OP_SOCKET (5.19); the probe cannot see modifier flags.
     *
     * @return whether listeners may keep one multishot accept armed, unless switched off with {@code multishot}
     */
    public static boolean isAcceptMultishotSupported() {
        return ON_MULTISHOT && opSupported((byte) 45);
    }

    /**
     * Multishot recv came with IORING_OP_SEND_ZC (6.0); the probe cannot see modifier flags.
     *
     * @return whether channels may keep a multishot recv armed on a buffer ring, unless switched off with
     *         {@code multishot}
     */
    public static boolean isRecvMultishotSupported() {
        return ON_MULTISHOT && opSupported(Native.IORING_OP_SEND_ZC);
    }

    /**
     * Provided buffer rings (IORING_REGISTER_PBUF_RING), checked by a trial registration.
     *
     * @return whether {@link GetBufIoHandlerConfig#setBufferRing} takes effect, unless switched off with
     *         {@code bufferRing}
     */
    public static boolean isBufferRingSupported() {
        return ON_BUFFER_RING && PROBE != null && PROBE.bufferRing();
    }

    /**
     * Incremental buffer-ring consumption (IOU_PBUF_RING_INC), checked by a trial registration.
     *
     * @return whether {@link GetBufBufferRingConfig#setIncremental} takes effect, unless switched off with
     *         {@code incrementalRing} or {@code bufferRing}
     */
    public static boolean isIncrementalBufferRingSupported() {
        return ON_INCREMENTAL_RING && isBufferRingSupported() && PROBE.incrementalBufferRing();
    }

    /**
     * Sparse registered-buffer tables (IORING_REGISTER_BUFFERS2 + RSRC_REGISTER_SPARSE).
     *
     * @return whether loops can have a registered-buffer table (what
     *         {@link GetBufIoHandler#allocateRegistered allocateRegistered}, READ_FIXED and GET_BUF need), unless
     *         switched off with {@code registeredBuffers}
     */
    public static boolean isRegisteredBuffersSupported() {
        return ON_REGISTERED_BUFFERS && PROBE != null && PROBE.sparseRegisteredBuffers();
    }

    /**
     * {@return whether {@link GetBufFileStrategy#SPLICE} can be used ({@code IORING_OP_SPLICE}), unless switched off
     * with {@code splice}}
     */
    public static boolean isSpliceSupported() {
        return ON_SPLICE && opSupported(Native.IORING_OP_SPLICE);
    }

    /**
     * {@return whether sends can be zero-copy ({@code IORING_OP_SEND_ZC}, Linux 6.0), unless switched off with
     * {@code sendZc}}
     */
    public static boolean isSendZcSupported() {
        return ON_SEND_ZC && opSupported(Native.IORING_OP_SEND_ZC);
    }

    /** {@return whether the kernel can write from a registered buffer ({@code IORING_OP_WRITE_FIXED})} */
    public static boolean isWriteFixedSupported() {
        return opSupported(Native.IORING_OP_WRITE_FIXED);
    }

    /**
     * True only on a kernel carrying getbuf's IORING_OP_GET_BUF patch. It proves the opcode
     * exists, not that a given file implements it: a file without a provider still fails with
     * -EOPNOTSUPP at run time.
     *
     * @return whether the kernel has {@code IORING_OP_GET_BUF}, unless switched off with {@code getBuf}
     */
    public static boolean isGetBufSupported() {
        return ON_GET_BUF && PROBE != null && opSupported(Native.getBufOpcode()); // no probe: no library to ask
    }

    /**
     * The IORING_OP_GET_BUF opcode value this build uses.
     *
     * @return the opcode, 0 to 255, from the uapi header the native library was built against
     * @throws UnsatisfiedLinkError if the native library could not be loaded (see {@link #unavailabilityCause()})
     */
    public static int getBufOpcode() {
        return Native.getBufOpcode() & 0xff;
    }

    private static boolean opSupported(byte op) {
        return PROBE != null && PROBE.isSupported(op);
    }

    @Override
    public String toString() {
        return "GetBuf";
    }

    /**
     * Whether connects may use TCP Fast Open ({@code ChannelOption.TCP_FASTOPEN_CONNECT}): sysctl
     * {@code net.ipv4.tcp_fastopen} has bit 1 (the kernel's default).
     *
     * @return true when the sysctl has that bit; false when not, or when it cannot be read
     */
    public static boolean isTcpFastOpenClientSideAvailable() {
        return (tcpFastOpenSysctl() & 1) != 0;
    }

    /**
     * Whether listeners accept data in SYNs ({@code ChannelOption.TCP_FASTOPEN}): sysctl
     * {@code net.ipv4.tcp_fastopen} has bit 2 (off by default).
     *
     * @return true when the sysctl has that bit; false when not, or when it cannot be read
     */
    public static boolean isTcpFastOpenServerSideAvailable() {
        return (tcpFastOpenSysctl() & 2) != 0;
    }

    private static int tcpFastOpenSysctl() {
        String v = readSysctl("/proc/sys/net/ipv4/tcp_fastopen");
        try {
            return v == null ? 0 : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * A one-line summary of what was detected, for logs and bug reports.
     *
     * @return {@code "getbuf available: "} and each feature with what was found, or {@code "getbuf unavailable: "}
     *         and the cause's message
     */
    public static String describe() {
        if (!isAvailable()) {
            return "getbuf unavailable: " + UNAVAILABILITY_CAUSE.getMessage();
        }
        return "getbuf available: setupFlags=0x" + Integer.toHexString(SETUP_FLAGS)
                + (DISABLED.isEmpty() ? "" : " disabled=" + DISABLED)
                + " features=0x" + Integer.toHexString(FEATURES)
                + " singleIssuer=" + isSingleIssuerSupported()
                + " deferTaskrun=" + isDeferTaskrunSupported()
                + " submitAll=" + isSubmitAllSupported()
                + " noSqArray=" + isNoSqArraySupported()
                + " acceptMultishot=" + isAcceptMultishotSupported()
                + " recvMultishot=" + isRecvMultishotSupported()
                + " bufferRing=" + isBufferRingSupported()
                + " incrementalBufferRing=" + isIncrementalBufferRingSupported()
                + " registeredBuffers=" + isRegisteredBuffersSupported()
                + " splice=" + isSpliceSupported()
                + " sendZc=" + isSendZcSupported()
                + " tcpFastOpen=" + (isTcpFastOpenClientSideAvailable() ? "client" : "")
                + (isTcpFastOpenServerSideAvailable() ? "+server" : "")
                + " getBuf=" + isGetBufSupported() + " (opcode " + getBufOpcode() + ")";
    }

    /**
     * Prints {@link #describe()} to standard output: what this machine offers the transport.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        System.out.println(describe());
    }
}
