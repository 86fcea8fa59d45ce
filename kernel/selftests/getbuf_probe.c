// SPDX-License-Identifier: Apache-2.0
/*
 * On the patched kernel IORING_REGISTER_PROBE reports IORING_OP_GET_BUF (192)
 * as supported, the gap between the last 6.12 opcode (LISTEN, 57) and 192 as
 * unsupported, and an opcode of the gap fails when submitted.
 */
#include "gb.h"

int main(void)
{
	size_t sz = sizeof(struct io_uring_probe) +
		    256 * sizeof(struct io_uring_probe_op);
	struct io_uring_probe *p = calloc(1, sz);
	struct ring r;
	int ret, op, gap_supported = 0, res;

	ring_init_or_die(&r, 8);
	ret = sys_register(r.fd, IORING_REGISTER_PROBE, p, 256);
	CHECK(ret == 0, "IORING_REGISTER_PROBE returns 0 (got %d)", ret);
	if (!(p->ops_len > IORING_OP_GET_BUF &&
	      (p->ops[IORING_OP_GET_BUF].flags & IO_URING_OP_SUPPORTED))) {
		if (!kernel_has_getbuf_debugfs())
			SKIP("stock kernel (probe last_op %u); see getbuf_stock",
			     p->last_op);
	}
	CHECK_EQ(p->last_op, IORING_OP_GET_BUF, "probe last_op");
	CHECK(p->ops_len > IORING_OP_GET_BUF &&
	      (p->ops[IORING_OP_GET_BUF].flags & IO_URING_OP_SUPPORTED),
	      "probe reports IORING_OP_GET_BUF (192) supported");
	CHECK(p->ops[IORING_OP_LISTEN].flags & IO_URING_OP_SUPPORTED,
	      "probe still reports IORING_OP_LISTEN (57) supported");
	for (op = IORING_OP_LAST_MAINLINE_6_12; op < IORING_OP_GET_BUF; op++)
		if (p->ops[op].flags & IO_URING_OP_SUPPORTED)
			gap_supported++;
	CHECK(gap_supported == 0,
	      "opcodes 58..191 reported unsupported (%d reported supported)",
	      gap_supported);

	/* an opcode of the gap (mainline's RECV_ZC number) must not run */
	ring_sqe(&r)->opcode = 58;
	res = ring_run1(&r);
	CHECK(res == -EOPNOTSUPP || res == -EINVAL,
	      "submitting opcode 58 fails (res %d)", res);
	ring_sqe(&r)->opcode = 191;
	res = ring_run1(&r);
	CHECK(res == -EOPNOTSUPP || res == -EINVAL,
	      "submitting opcode 191 fails (res %d)", res);
	ring_sqe(&r)->opcode = 193;
	res = ring_run1(&r);
	CHECK_EQ(res, -EINVAL, "submitting opcode 193 (past IORING_OP_LAST)");
	free(p);
	return gb_done();
}
