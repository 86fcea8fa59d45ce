// SPDX-License-Identifier: Apache-2.0
/*
 * What IORING_REGISTER_PROBE says, against what the run expects
 * (GETBUF_EXPECT, set by kernel/vm/test --expect):
 *  - the patched kernel (default): IORING_OP_GET_BUF (120) supported,
 *    last_op 120, LISTEN (57) still supported, the gap 58..119 reported
 *    unsupported and failing when submitted, 121 (past IORING_OP_LAST)
 *    -EINVAL; and the test instrumentation present in debugfs on the debug
 *    kernel, absent from the production one (GETBUF_KERNEL_CONFIG, set by
 *    kernel/vm/test --config): no debugfs counters, and /dev/null lends
 *    nothing (-EOPNOTSUPP);
 *  - a stock kernel (--expect stock): GET_BUF reported unsupported, and a
 *    submitted GET_BUF fails.
 * Never skips: on the wrong kernel for the expectation it fails.
 */
#include "gb.h"

static void check_stock(struct io_uring_probe *p, struct ring *r)
{
	int res, fd = open("/dev/null", O_RDONLY);

	CHECK(!(p->ops_len > IORING_OP_GET_BUF &&
		(p->ops[IORING_OP_GET_BUF].flags & IO_URING_OP_SUPPORTED)),
	      "stock kernel expected: probe reports IORING_OP_GET_BUF (120) unsupported (last_op %u)",
	      p->last_op);
	CHECK(p->last_op < IORING_OP_GET_BUF, "probe last_op %u below 120",
	      p->last_op);
	sqe_get_buf(ring_sqe(r), fd, 0, 4096, 0);
	res = ring_run1(r);
	CHECK(res == -EINVAL || res == -EOPNOTSUPP,
	      "submitting IORING_OP_GET_BUF fails (res %d)", res);
}

int main(void)
{
	size_t sz = sizeof(struct io_uring_probe) +
		    256 * sizeof(struct io_uring_probe_op);
	struct io_uring_probe *p = calloc(1, sz);
	struct ring r;
	int ret, op, gap_supported = 0, res;

	if (ring_init(&r, 8, 0))
		DIE("io_uring_setup");
	ret = sys_register(r.fd, IORING_REGISTER_PROBE, p, 256);
	CHECK(ret == 0, "IORING_REGISTER_PROBE returns 0 (got %d)", ret);
	if (expect_stock()) {
		check_stock(p, &r);
		free(p);
		return gb_done();
	}
	CHECK_EQ(p->last_op, IORING_OP_GET_BUF,
		 "probe last_op (57 = a stock 6.12 kernel)");
	CHECK(p->ops_len > IORING_OP_GET_BUF &&
	      (p->ops[IORING_OP_GET_BUF].flags & IO_URING_OP_SUPPORTED),
	      "probe reports IORING_OP_GET_BUF (120) supported");
	CHECK(p->ops[IORING_OP_LISTEN].flags & IO_URING_OP_SUPPORTED,
	      "probe still reports IORING_OP_LISTEN (57) supported");
	for (op = IORING_OP_LAST_MAINLINE_6_12; op < IORING_OP_GET_BUF; op++)
		if (p->ops[op].flags & IO_URING_OP_SUPPORTED)
			gap_supported++;
	CHECK(gap_supported == 0,
	      "opcodes 58..119 reported unsupported (%d reported supported)",
	      gap_supported);
	if (getenv("GETBUF_KERNEL_CONFIG") &&
	    !strcmp(getenv("GETBUF_KERNEL_CONFIG"), "production")) {
		int nfd = open("/dev/null", O_RDONLY);

		CHECK(!kernel_has_getbuf_debugfs() && access(GB_NULL_DBG, F_OK),
		      "production kernel: no test instrumentation (%s absent)", GB_NULL_DBG);
		CHECK(reg_sparse_bufs(&r, 1) == 0, "sparse table of 1 slot");
		res = get_buf(&r, nfd, 0, 4096, 0);
		CHECK_EQ(res, -EOPNOTSUPP,
			 "production kernel: GET_BUF of /dev/null (no test provider)");
		close(nfd);
	} else {
		CHECK(kernel_has_getbuf_debugfs(),
		      "test instrumentation in debugfs (%sgets, %s{enabled,kpagerefs})",
		      GB_NULL_DBG, GB_FILEMAP_DBG);
	}

	/* an opcode of the gap (mainline's RECV_ZC number) must not run */
	ring_sqe(&r)->opcode = 58;
	res = ring_run1(&r);
	CHECK(res == -EOPNOTSUPP || res == -EINVAL,
	      "submitting opcode 58 fails (res %d)", res);
	ring_sqe(&r)->opcode = 119;
	res = ring_run1(&r);
	CHECK(res == -EOPNOTSUPP || res == -EINVAL,
	      "submitting opcode 119 fails (res %d)", res);
	ring_sqe(&r)->opcode = 121;
	res = ring_run1(&r);
	CHECK_EQ(res, -EINVAL, "submitting opcode 121 (past IORING_OP_LAST)");
	free(p);
	return gb_done();
}
