// SPDX-License-Identifier: Apache-2.0
/*
 * A GET_BUF buffer is source-only: READ_FIXED into it fails with -EFAULT and
 * leaves the file's pages untouched, RECV into a fixed buffer does not exist
 * on 6.12 (-EINVAL), and WRITE_FIXED to a file that only has ->write (the
 * loop_rw_iter() fallback, here a debugfs attribute) refuses the kernel
 * buffer with -EFAULT instead of treating its address as user memory.
 * A user-registered buffer still works both ways.
 */
#include "gb.h"
#include <sys/socket.h>

int main(void)
{
	const char *path = "/dev/shm/getbuf-direction-test";
	static unsigned char got[2 * GB_PAGE], want[2 * GB_PAGE];
	struct io_uring_sqe *sqe;
	struct ring r;
	int fd, src, res, sv[2], dfd;
	unsigned char *ubuf;

	ring_init_or_die(&r, 8);
	require_getbuf(&r);
	CHECK_EQ(reg_sparse_bufs(&r, 4), 0, "register a sparse table of 4 slots");
	fd = make_file(path, 2 * GB_PAGE, 3);
	src = make_file("/dev/shm/getbuf-direction-src", 2 * GB_PAGE, 4);

	res = get_buf(&r, fd, 0, 2 * GB_PAGE, 0);
	CHECK_EQ(res, 2 * GB_PAGE, "GET_BUF 2 pages into slot 0");

	sqe = ring_sqe(&r);
	sqe_rw_fixed(sqe, IORING_OP_READ_FIXED, src, 0, 2 * GB_PAGE, 0, 0);
	res = ring_run1(&r);
	CHECK_EQ(res, -EFAULT, "READ_FIXED into the GET_BUF buffer");
	sqe = ring_sqe(&r);
	sqe_rw_fixed(sqe, IORING_OP_READ_FIXED, src, 100, 10, 0, 0);
	res = ring_run1(&r);
	CHECK_EQ(res, -EFAULT, "READ_FIXED of 10 bytes into the middle of it");

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		DIE("socketpair");
	if (write(sv[1], "0123456789", 10) != 10)
		DIE("write");
	sqe = ring_sqe(&r);
	sqe->opcode = IORING_OP_RECV;
	sqe->fd = sv[0];
	sqe->addr = 0;
	sqe->len = 10;
	sqe->ioprio = IORING_RECVSEND_FIXED_BUF;
	sqe->buf_index = 0;
	res = ring_run1(&r);
	CHECK(res == -EINVAL || res == -EFAULT,
	      "RECV with IORING_RECVSEND_FIXED_BUF into the buffer refused (res %d)",
	      res);

	dfd = open(GB_NULL_DBG "gets", O_WRONLY);
	if (dfd >= 0) {
		res = write_fixed(&r, dfd, 0, 8, 0, 0);
		CHECK_EQ(res, -EFAULT,
			 "WRITE_FIXED of the buffer to a ->write-only file (loop_rw_iter)");
		close(dfd);
	} else {
		CHECK(0, "open %sgets (a ->write-only debugfs file) for writing",
		      GB_NULL_DBG);
	}

	/* the file's pages were not written */
	if (pread(fd, got, sizeof(got), 0) != (ssize_t)sizeof(got))
		DIE("pread");
	fill_pattern(want, 0, sizeof(want), 3);
	CHECK(!memcmp(got, want, sizeof(want)), "file content unchanged");
	res = slot_contents(&r, 0, got, sizeof(got));
	CHECK(res == 0 && !memcmp(got, want, sizeof(want)),
	      "buffer content unchanged and still readable by WRITE_FIXED");

	/* user buffers keep both directions */
	ubuf = aligned_alloc(GB_PAGE, 2 * GB_PAGE);
	CHECK_EQ(buf_update(&r, 1, ubuf, 2 * GB_PAGE), 1, "user buffer at slot 1");
	sqe = ring_sqe(&r);
	sqe_rw_fixed(sqe, IORING_OP_READ_FIXED, src, (uintptr_t)ubuf, 2 * GB_PAGE, 0, 1);
	res = ring_run1(&r);
	CHECK_EQ(res, 2 * GB_PAGE, "READ_FIXED into a user-registered buffer");
	fill_pattern(want, 0, sizeof(want), 4);
	CHECK(!memcmp(ubuf, want, sizeof(want)), "user buffer got the file's bytes");

	unlink(path);
	unlink("/dev/shm/getbuf-direction-src");
	return gb_done();
}
