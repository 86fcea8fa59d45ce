/*
 * Copyright 2026 The getbuf authors. Licensed under the Apache License, Version 2.0.
 */
package io.getbuf.transport.internal;

import io.getbuf.transport.testsuite.GetBufAssumptions;
import io.getbuf.transport.GetBuf;
import io.getbuf.transport.testsuite.GetBufTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@GetBufTest(warmUp = false)
@Timeout(30)
class RingTest {
    @BeforeAll
    static void requireIoUring() {
        GetBufAssumptions.assumeAvailable();
    }

    private static boolean nop(SubmissionQueue sq, long userData) {
        return sq.enqueue(Native.IORING_OP_NOP, (byte) 0, (short) 0, -1, 0, 0, 0, 0, userData, (short) 0, 0, 0);
    }

    @Test
    void fullSubmissionQueueRefusesUntilSubmitted() throws Exception {
        try (Ring ring = Ring.open(8, 0, -1)) {
            ring.enable();
            SubmissionQueue sq = ring.submissionQueue();
            int accepted = 0;
            while (nop(sq, UserData.encode(1, Native.IORING_OP_NOP, (short) accepted))) {
                accepted++;
            }
            assertEquals(sq.capacity(), accepted, "a full SQ takes exactly its capacity");
            assertEquals(0, sq.remaining());
            assertEquals(accepted, ring.submit(accepted));
            assertTrue(sq.remaining() > 0, "submitting frees SQ slots");
            assertTrue(nop(sq, UserData.encode(1, Native.IORING_OP_NOP, (short) 999)));
            ring.submit(1);
            List<Long> seen = new ArrayList<>();
            while (seen.size() < accepted + 1) {
                ring.completionQueue().process((res, flags, ud) -> seen.add(ud));
                if (seen.size() < accepted + 1) {
                    ring.submit(1);
                }
            }
            assertEquals(accepted + 1, seen.size());
        }
    }

    @Test
    void completionQueueOverflowLosesNothing() throws Exception {
        // 16 completions into a CQ of 8: the kernel (IORING_FEAT_NODROP) holds the rest and
        // flushes them when asked; every user_data must come back exactly once.
        try (Ring ring = Ring.open(8, 8, -1)) {
            ring.enable();
            GetBufAssumptions.assumeFeature((ring.features() & Native.IORING_FEAT_NODROP) != 0,
                    () -> "kernel without IORING_FEAT_NODROP");
            CompletionQueue cq = ring.completionQueue();
            int total = 2 * cq.capacity();
            for (int i = 0; i < total; i++) {
                if (!nop(ring.submissionQueue(), UserData.encode(7, Native.IORING_OP_NOP, (short) i))) {
                    ring.submit(0);
                    assertTrue(nop(ring.submissionQueue(), UserData.encode(7, Native.IORING_OP_NOP, (short) i)));
                }
            }
            ring.submit(0);
            assertTrue(ring.cqOverflowed(), "more completions than CQ entries must overflow");
            Set<Short> seen = new HashSet<>();
            for (int rounds = 0; seen.size() < total && rounds < 100; rounds++) {
                cq.process((res, flags, ud) -> {
                    assertEquals(0, res);
                    assertEquals(7, UserData.id(ud));
                    assertTrue(seen.add(UserData.data(ud)), "completion delivered twice");
                });
                ring.submit(0); // GETEVENTS flushes the overflow list into the CQ
            }
            assertEquals(total, seen.size());
            assertFalse(ring.cqOverflowed());
            assertEquals(0, cq.overflowCount(), "nothing was dropped");
        }
    }

    @Test
    void userDataRoundTripsEveryField() {
        int[] ids = {1, 0x7ffffffd, Integer.MIN_VALUE, -1};
        byte[] ops = {0, Native.IORING_OP_SEND, Native.getBufOpcode(), (byte) 0xff};
        short[] datas = {0, 1, Short.MAX_VALUE, (short) 0xffff};
        for (int id : ids) {
            for (byte op : ops) {
                for (short data : datas) {
                    long ud = UserData.encode(id, op, data);
                    assertEquals(id, UserData.id(ud));
                    assertEquals(op, UserData.op(ud));
                    assertEquals(data, UserData.data(ud));
                }
            }
        }
    }

    @Test
    void userDataComesBackFromTheKernel() throws Exception {
        try (Ring ring = Ring.open(4, 0, -1)) {
            ring.enable();
            long ud = UserData.encode(0x12345678, Native.IORING_OP_NOP, (short) 0xbeef);
            assertTrue(nop(ring.submissionQueue(), ud));
            ring.submit(1);
            long[] got = new long[1];
            assertEquals(1, ring.completionQueue().process((res, flags, u) -> got[0] = u));
            assertEquals(ud, got[0]);
        }
    }

    @Test
    void probeIsHonestAboutGetBuf() throws Exception {
        try (Ring ring = Ring.open(4, 0, -1)) {
            ring.enable();
            RingProbe probe = RingProbe.probe(ring);
            assertTrue(probe.isSupported(Native.IORING_OP_NOP));
            assertTrue(probe.isSupported(Native.IORING_OP_SEND));
            assertEquals(probe.isSupported(Native.getBufOpcode()), GetBuf.isGetBufSupported());
            if (!probe.isSupported(Native.getBufOpcode())) {
                // the kernel must refuse an opcode the probe calls unsupported
                assertTrue(ring.submissionQueue().enqueue(Native.getBufOpcode(), (byte) 0, (short) 0, -1, 0, 0, 4096,
                        0, 42L, (short) 0, 0, 0));
                ring.submit(1);
                int[] res = new int[1];
                ring.completionQueue().process((r, flags, u) -> res[0] = r);
                assertEquals(-Native.ERRNO_EINVAL, res[0]);
            }
        }
    }
}
