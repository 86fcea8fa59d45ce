// SPDX-License-Identifier: Apache-2.0
/*
 * Which kernel is this, for kernel/vm/run-selftests: prints "getbuf" when
 * IORING_REGISTER_PROBE reports IORING_OP_GET_BUF supported, "stock" when it
 * does not, "no-io_uring" when io_uring_setup fails. Always exits 0.
 */
#include "../gb.h"

int main(void)
{
	struct ring r;
	int sup;

	if (ring_init(&r, 4, 0)) {
		printf("no-io_uring\n");
		return 0;
	}
	sup = probe_op(&r, IORING_OP_GET_BUF);
	printf("%s\n", sup == 1 ? "getbuf" : "stock");
	return 0;
}
