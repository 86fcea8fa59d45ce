// SPDX-License-Identifier: Apache-2.0
/*
 * IORING_OP_GET_BUF through liburing and kernel/liburing/liburing-getbuf.h,
 * as a program outside this project would use it (no gb.h, no debugfs):
 * probe, a sparse table, a tmpfs file of 40 KiB + 100 bytes lent and written
 * to a pipe (one GET_BUF linked to the WRITE_FIXED) byte-exact, the short
 * buffer at end of file, 0 at end of file with the slot left empty, the slot
 * emptied with io_uring_register_buffers_update_tag(), and the errors the man
 * page lists for an occupied slot (-EBUSY), a slot outside the table
 * (-EFAULT), a file without buffers (a pipe: -EOPNOTSUPP), a reserved field
 * (-EINVAL) and a fixed read into the buffer (-EFAULT).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../liburing/liburing-getbuf.h"

#define LEN (40 * 1024 + 100)

static int fails;

#define EXPECT(cond, ...)						\
	do {								\
		int _ok = !!(cond);	/* once: it may have effects */	\
		printf("%s: ", _ok ? "ok" : "FAIL");			\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		if (!_ok)						\
			fails++;					\
	} while (0)

static unsigned char file_data[LEN], got[LEN];

/* Submit what is queued, wait for @n CQEs, return the res of the first. */
static int run(struct io_uring *ring, int n, int *second)
{
	struct io_uring_cqe *cqe;
	int i, first = 0, ret = io_uring_submit_and_wait(ring, n);

	if (ret < 0)
		return ret;
	for (i = 0; i < n; i++) {
		if (io_uring_wait_cqe(ring, &cqe))
			return -EIO;
		if (cqe->user_data == 1)
			first = cqe->res;
		else if (second)
			*second = cqe->res;
		io_uring_cqe_seen(ring, cqe);
	}
	return first;
}

static int get_buf(struct io_uring *ring, int fd, unsigned int len, __u64 off, int slot)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	io_uring_prep_get_buf(sqe, fd, len, off, slot);
	sqe->user_data = 1;
	return run(ring, 1, NULL);
}

static int empty_slot(struct io_uring *ring, int slot)
{
	struct iovec iov = { NULL, 0 };
	__u64 tag = 0;

	return io_uring_register_buffers_update_tag(ring, slot, &iov, &tag, 1);
}

int main(void)
{
	const char *path = "/dev/shm/getbuf-liburing-test";
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	int fd, pfd[2], res, wres = 0, i, sup;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (io_uring_queue_init(8, &ring, 0)) {
		printf("FAIL: io_uring_queue_init\n");
		return 1;
	}
	sup = io_uring_get_buf_supported(&ring);
	if (sup != 1) {
		printf("SKIP: IORING_OP_GET_BUF not supported (%d)\n", sup);
		return 77;
	}
	EXPECT(io_uring_register_buffers_sparse(&ring, 4) == 0, "sparse table of 4 slots");
	for (i = 0; i < LEN; i++)
		file_data[i] = (unsigned char)(i * 7 + (i >> 9));
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || pwrite(fd, file_data, LEN, 0) != LEN || pipe2(pfd, 0)) {
		printf("FAIL: setup (%s)\n", strerror(errno));
		return 1;
	}
	fcntl(pfd[1], F_SETPIPE_SZ, 1 << 20);
	/* a read of what a failed write never put there must not hang the test */
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);

	/* GET_BUF linked to a WRITE_FIXED of the whole buffer */
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_get_buf(sqe, fd, LEN, 0, 0);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 1;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_write_fixed(sqe, pfd[1], NULL, LEN, 0, 0);
	sqe->user_data = 2;
	res = run(&ring, 2, &wres);
	EXPECT(res == LEN && wres == LEN, "GET_BUF -> WRITE_FIXED of %d bytes: %d, %d", LEN, res, wres);
	EXPECT(read(pfd[0], got, LEN) == LEN && !memcmp(got, file_data, LEN),
	       "the pipe holds the file's bytes");

	res = get_buf(&ring, fd, 4096, 0, 0);
	EXPECT(res == -EBUSY, "GET_BUF into the occupied slot: %d (-EBUSY)", res);
	EXPECT(empty_slot(&ring, 0) == 1, "slot emptied");
	res = get_buf(&ring, fd, 8192, LEN - 100, 0);
	EXPECT(res == 100, "GET_BUF of 8192 bytes 100 before end of file: %d", res);
	EXPECT(empty_slot(&ring, 0) == 1, "slot emptied");
	res = get_buf(&ring, fd, 4096, LEN, 1);
	EXPECT(res == 0, "GET_BUF at end of file: %d", res);
	res = get_buf(&ring, fd, 4096, 0, 1);
	EXPECT(res == 4096, "the slot stayed empty: a GET_BUF into it works (%d)", res);

	/* the buffer is source-only */
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read_fixed(sqe, pfd[0], NULL, 16, 0, 1);
	sqe->user_data = 1;
	if (write(pfd[1], "0123456789abcdef", 16) != 16)
		return 1;
	res = run(&ring, 1, NULL);
	EXPECT(res == -EFAULT, "READ_FIXED into the buffer: %d (-EFAULT)", res);
	EXPECT(empty_slot(&ring, 1) == 1, "slot emptied");

	res = get_buf(&ring, fd, 4096, 0, 4);
	EXPECT(res == -EFAULT, "GET_BUF into slot 4 of 4: %d (-EFAULT)", res);
	res = get_buf(&ring, pfd[0], 4096, 0, 2);
	EXPECT(res == -EOPNOTSUPP, "GET_BUF of a pipe: %d (-EOPNOTSUPP)", res);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_get_buf(sqe, fd, 4096, 0, 2);
	sqe->addr = 1;
	sqe->user_data = 1;
	res = run(&ring, 1, NULL);
	EXPECT(res == -EINVAL, "GET_BUF with addr set: %d (-EINVAL)", res);

	io_uring_queue_exit(&ring);
	close(fd);
	unlink(path);
	printf("%s: %d failed check(s)\n", fails ? "FAILED" : "PASSED", fails);
	return fails ? 1 : 0;
}
