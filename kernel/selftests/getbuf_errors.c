// SPDX-License-Identifier: Apache-2.0
/*
 * GET_BUF argument and state errors: a non-zero field other than fd, off,
 * len and buf_index (-EINVAL), len 0 or above 1 GiB (-EINVAL), a slot
 * outside the table or no table (-EFAULT), an occupied slot (-EBUSY), files
 * without a provider: pipe, sockets, eventfd (-EOPNOTSUPP), a file not open
 * for reading (-EBADF), /dev/null at an offset (-EINVAL); plus a fixed file
 * (IOSQE_FIXED_FILE) and the /dev/null provider's pattern. An unprivileged
 * user's buffers count against RLIMIT_MEMLOCK like registered buffers
 * (-ENOMEM beyond it).
 */
#include "gb.h"
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

static int fd;

static int get_buf_field(struct ring *r, int which)
{
	struct io_uring_sqe *sqe = ring_sqe(r);

	sqe_get_buf(sqe, fd, 0, GB_PAGE, 0);
	switch (which) {
	case 0: sqe->addr = 1; break;
	case 1: sqe->rw_flags = 1; break;
	case 2: sqe->splice_fd_in = 1; break;
	case 3: sqe->ioprio = 1; break;
	case 4: sqe->addr3 = 1; break;
	case 5: sqe->__pad2[0] = 1; break;
	case 6: sqe->len = 0; break;
	case 7: sqe->len = (1u << 30) + 1; break;
	case 8: sqe->off = ~0ULL; break;
	}
	return ring_run1(r);
}

int main(void)
{
	static const char *fields[] = {
		"addr", "rw_flags", "splice_fd_in", "ioprio", "addr3", "__pad2",
		"len 0", "len 1 GiB + 1", "off 2^64-1",
	};
	const char *path = "/dev/shm/getbuf-errors-test";
	struct gb_counters f0, f1, n0, n1;
	static unsigned char got[3 * GB_PAGE];
	unsigned char *ubuf;
	struct ring r, r2;
	int i, res, pfd[2], sv[2], tcp, efd, wfd, nfd, bad, fds[1];

	ring_init_or_die(&r, 16);
	require_getbuf(&r);
	fd = make_file(path, 16 * GB_PAGE, 2);
	f0 = counters(GB_FILEMAP_DBG);
	n0 = counters(GB_NULL_DBG);

	/* no table registered at all */
	res = get_buf(&r, fd, 0, GB_PAGE, 0);
	CHECK_EQ(res, -EFAULT, "GET_BUF without a registered-buffer table");

	CHECK_EQ(reg_sparse_bufs(&r, 4), 0, "register a sparse table of 4 slots");
	for (i = 0; i < 9; i++) {
		res = get_buf_field(&r, i);
		CHECK(res == -EINVAL, "GET_BUF with %s set: -EINVAL (res %d)",
		      fields[i], res);
	}
	{
		struct io_uring_sqe *sqe = ring_sqe(&r);

		sqe_get_buf(sqe, fd, 0, GB_PAGE, 0);
		sqe->flags = IOSQE_BUFFER_SELECT;
		res = ring_run1(&r);
		CHECK_EQ(res, -EOPNOTSUPP,
			 "IOSQE_BUFFER_SELECT (generic check for opcodes without it)");
	}

	res = get_buf(&r, fd, 0, GB_PAGE, 4);
	CHECK_EQ(res, -EFAULT, "slot 4 of a 4-slot table");
	res = get_buf(&r, fd, 0, GB_PAGE, 65535);
	CHECK_EQ(res, -EFAULT, "slot 65535");

	res = get_buf(&r, fd, 0, GB_PAGE, 0);
	CHECK_EQ(res, GB_PAGE, "GET_BUF into empty slot 0");
	res = get_buf(&r, fd, GB_PAGE, GB_PAGE, 0);
	CHECK_EQ(res, -EBUSY, "GET_BUF into slot 0, holding a GET_BUF buffer");
	ubuf = aligned_alloc(GB_PAGE, GB_PAGE);
	CHECK_EQ(buf_update(&r, 1, ubuf, GB_PAGE), 1, "register a user buffer at slot 1");
	res = get_buf(&r, fd, 0, GB_PAGE, 1);
	CHECK_EQ(res, -EBUSY, "GET_BUF into slot 1, holding a user buffer");
	/* the occupied slot kept its buffer */
	res = slot_contents(&r, 0, got, GB_PAGE);
	fill_pattern(ubuf, 0, GB_PAGE, 2);
	CHECK(res == 0 && !memcmp(got, ubuf, GB_PAGE),
	      "slot 0 still holds the first buffer");

	if (pipe(pfd) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		DIE("pipe/socketpair");
	tcp = socket(AF_INET, SOCK_STREAM, 0);
	efd = eventfd(0, 0);
	res = get_buf(&r, pfd[0], 0, GB_PAGE, 2);
	CHECK_EQ(res, -EOPNOTSUPP, "GET_BUF from a pipe");
	res = get_buf(&r, sv[0], 0, GB_PAGE, 2);
	CHECK_EQ(res, -EOPNOTSUPP, "GET_BUF from a unix socket");
	res = get_buf(&r, tcp, 0, GB_PAGE, 2);
	CHECK_EQ(res, -EOPNOTSUPP, "GET_BUF from a TCP socket");
	res = get_buf(&r, efd, 0, 8, 2);
	CHECK_EQ(res, -EOPNOTSUPP, "GET_BUF from an eventfd");
	bad = open("/dev/shm", O_RDONLY | O_DIRECTORY);
	res = get_buf(&r, bad, 0, GB_PAGE, 2);
	CHECK_EQ(res, -EOPNOTSUPP, "GET_BUF from a directory");
	wfd = open(path, O_WRONLY);
	res = get_buf(&r, wfd, 0, GB_PAGE, 2);
	CHECK_EQ(res, -EBADF, "GET_BUF from a file open write-only");

	nfd = open("/dev/null", O_RDONLY);
	res = get_buf(&r, nfd, GB_PAGE, GB_PAGE, 2);
	CHECK_EQ(res, -EINVAL, "GET_BUF from /dev/null at offset 4096");
	res = get_buf(&r, nfd, 0, 2 * GB_PAGE + 100, 2);
	CHECK_EQ(res, 2 * GB_PAGE + 100, "GET_BUF from /dev/null at offset 0");
	res = slot_contents(&r, 2, got, 2 * GB_PAGE + 100);
	for (i = 0; i < 2 * GB_PAGE + 100 && got[i] == null_pattern(i); i++)
		;
	CHECK(res == 0 && i == 2 * GB_PAGE + 100,
	      "/dev/null buffer holds the documented pattern");
	CHECK_EQ(buf_empty(&r, 2), 1, "emptying slot 2");

	/* a registered (fixed) file */
	fds[0] = fd;
	CHECK_EQ(sys_register(r.fd, IORING_REGISTER_FILES, fds, 1), 0,
		 "register the file as fixed file 0");
	{
		struct io_uring_sqe *sqe = ring_sqe(&r);

		sqe_get_buf(sqe, 0, 5 * GB_PAGE, GB_PAGE, 3);
		sqe->flags = IOSQE_FIXED_FILE;
		res = ring_run1(&r);
	}
	CHECK_EQ(res, GB_PAGE, "GET_BUF with IOSQE_FIXED_FILE");
	res = slot_contents(&r, 3, got, GB_PAGE);
	fill_pattern(ubuf, 5 * GB_PAGE, GB_PAGE, 2);
	CHECK(res == 0 && !memcmp(got, ubuf, GB_PAGE), "fixed-file buffer bytes exact");

	/* a second ring: its table is its own */
	ring_init_or_die(&r2, 4);
	CHECK_EQ(reg_sparse_bufs(&r2, 1), 0, "second ring with 1 slot");
	res = get_buf(&r2, fd, 0, GB_PAGE, 0);
	CHECK_EQ(res, GB_PAGE, "GET_BUF on the second ring");
	ring_exit(&r2);

	CHECK_EQ(buf_empty(&r, 0), 1, "emptying slot 0");
	CHECK_EQ(buf_empty(&r, 3), 1, "emptying slot 3");
	usleep(100000);	/* ring exit releases from a workqueue */
	f1 = counters(GB_FILEMAP_DBG);
	n1 = counters(GB_NULL_DBG);
	for (i = 0; i < 50 && f1.releases - f0.releases != 3; i++) {
		usleep(100000);
		f1 = counters(GB_FILEMAP_DBG);
	}
	/* slot 0, fixed file, second ring; failed slots never reach the file */
	CHECK(f1.gets - f0.gets == 3 && f1.releases - f0.releases == 3,
	      "file buffers: %ld handed out, %ld released (want 3, 3)",
	      f1.gets - f0.gets, f1.releases - f0.releases);
	CHECK(f1.pages == f0.pages, "file page references back to %ld (now %ld)",
	      f0.pages, f1.pages);
	CHECK(n1.gets - n0.gets == 1 && n1.releases - n0.releases == 1 &&
	      n1.pages == n0.pages,
	      "/dev/null buffers: %ld handed out, %ld released, pages %ld -> %ld",
	      n1.gets - n0.gets, n1.releases - n0.releases, n0.pages, n1.pages);
	/* RLIMIT_MEMLOCK for an unprivileged user (no CAP_IPC_LOCK) */
	if (geteuid() == 0) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			struct rlimit rl = { 64 * 1024, 64 * 1024 };
			struct ring c;
			int nf = open("/dev/null", O_RDONLY), a, b, d;

			if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgid(65534) ||
			    setuid(65534))
				_exit(10);
			if (ring_init(&c, 4, 0) || reg_sparse_bufs(&c, 4))
				_exit(11);
			a = get_buf(&c, nf, 0, 8 * GB_PAGE, 0);		/* 32 KiB */
			b = get_buf(&c, nf, 0, 16 * GB_PAGE, 1);	/* +64 KiB */
			buf_empty(&c, 0);
			d = get_buf(&c, nf, 0, 16 * GB_PAGE, 1);	/* 64 KiB */
			printf("%s: unprivileged, memlock 64 KiB: 32 KiB -> %d, then 64 KiB more -> %d, after freeing 32 KiB -> %d\n",
			       a == 8 * GB_PAGE && b == -ENOMEM &&
			       d == 16 * GB_PAGE ? "ok" : "FAIL", a, b, d);
			_exit(a == 8 * GB_PAGE && b == -ENOMEM &&
			      d == 16 * GB_PAGE ? 0 : 1);
		}
		fflush(stdout);
		waitpid(pid, &st, 0);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "GET_BUF pages count against RLIMIT_MEMLOCK (child status %d)",
		      WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	} else {
		CHECK(0, "running as root (needed to drop to an unprivileged user)");
	}

	unlink(path);
	return gb_done();
}
