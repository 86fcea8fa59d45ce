// SPDX-License-Identifier: Apache-2.0
/*
 * On a stock (unpatched) kernel, IORING_OP_GET_BUF (192) is reported
 * unsupported by IORING_REGISTER_PROBE and fails when submitted.
 * Skipped on the patched kernel.
 */
#include "gb.h"

int main(void)
{
	struct ring r;
	int sup, res;

	ring_init_or_die(&r, 8);
	sup = probe_op(&r, IORING_OP_GET_BUF);
	if (sup < 0)
		SKIP("IORING_REGISTER_PROBE failed: %d", sup);
	if (sup == 1)
		SKIP("GET_BUF supported: patched kernel, see getbuf_probe");
	CHECK(sup == 0, "probe reports IORING_OP_GET_BUF (192) unsupported");
	sqe_get_buf(ring_sqe(&r), open("/dev/null", O_RDONLY), 0, 4096, 0);
	res = ring_run1(&r);
	CHECK(res == -EINVAL || res == -EOPNOTSUPP,
	      "submitting IORING_OP_GET_BUF fails (res %d)", res);
	return gb_done();
}
