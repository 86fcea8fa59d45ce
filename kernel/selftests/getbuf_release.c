// SPDX-License-Identifier: Apache-2.0
/*
 * Every way a slot is emptied gives the buffer back exactly once: an update
 * to empty (one slot, or many at a time, which patch 0012 releases through one
 * resource node, also mixed with a user buffer), replacement by a user buffer, unregistering the table, closing
 * the ring, the process exiting without closing it or being killed with
 * requests in flight, and a table cloned into a second ring (released once,
 * when the last ring lets go). Checked with the
 * providers' debugfs counters (/dev/null and the page cache).
 */
#include "gb.h"
#include <sys/wait.h>

static struct gb_counters n0, f0;

static void settle(long want_null, long want_file, const char *what)
{
	struct gb_counters n, f;
	int i;

	for (i = 0; i < 100; i++) {
		n = counters(GB_NULL_DBG);
		f = counters(GB_FILEMAP_DBG);
		if (n.releases - n0.releases >= want_null &&
		    f.releases - f0.releases >= want_file)
			break;
		usleep(50000);
	}
	usleep(100000);	/* would a second release show up? */
	n = counters(GB_NULL_DBG);
	f = counters(GB_FILEMAP_DBG);
	CHECK(n.gets - n0.gets == want_null && n.releases - n0.releases == want_null &&
	      n.pages == n0.pages,
	      "%s: /dev/null %ld handed out, %ld released (want %ld), pages %ld -> %ld",
	      what, n.gets - n0.gets, n.releases - n0.releases, want_null,
	      n0.pages, n.pages);
	CHECK(f.gets - f0.gets == want_file && f.releases - f0.releases == want_file &&
	      f.pages == f0.pages,
	      "%s: page cache %ld handed out, %ld released (want %ld), pages %ld -> %ld",
	      what, f.gets - f0.gets, f.releases - f0.releases, want_file,
	      f0.pages, f.pages);
	n0 = n;
	f0 = f;
}

static void fill(struct ring *r, int nfd, int ffd, unsigned int slots)
{
	unsigned int i;

	for (i = 0; i < slots; i++) {
		int res = get_buf(r, (i & 1) ? ffd : nfd, 0, 3 * GB_PAGE, i);

		if (res != 3 * GB_PAGE)
			DIE("GET_BUF into slot %u: %d", i, res);
	}
}

int main(void)
{
	const char *path = "/dev/shm/getbuf-release-test";
	unsigned char *ubuf = aligned_alloc(GB_PAGE, GB_PAGE);
	struct gb_counters mid;
	struct ring r;
	int nfd, ffd, i, status;
	pid_t pid;

	ring_init_or_die(&r, 8);
	require_getbuf(&r);
	nfd = open("/dev/null", O_RDONLY);
	ffd = make_file(path, 4 * GB_PAGE, 5);
	n0 = counters(GB_NULL_DBG);
	f0 = counters(GB_FILEMAP_DBG);

	/* 1. IORING_REGISTER_BUFFERS_UPDATE to empty */
	CHECK_EQ(reg_sparse_bufs(&r, 8), 0, "sparse table of 8 slots");
	fill(&r, nfd, ffd, 8);
	mid = counters(GB_NULL_DBG);
	CHECK(mid.releases == n0.releases, "nothing released while the slots are full");
	for (i = 0; i < 8; i++)
		buf_empty(&r, i);
	settle(4, 4, "update to empty");
	for (i = 0; i < 8; i++)	/* emptying an empty slot releases nothing */
		buf_empty(&r, i);
	settle(0, 0, "emptying empty slots again");

	/* 1b. one update emptying all 8 slots, and one mixing a user buffer in */
	fill(&r, nfd, ffd, 8);
	CHECK_EQ(empty_slots(&r, 0, 8), 8, "one IORING_REGISTER_BUFFERS_UPDATE empties 8 slots");
	settle(4, 4, "8 slots emptied by one update");
	fill(&r, nfd, ffd, 4);
	CHECK_EQ(buf_update(&r, 4, ubuf, GB_PAGE), 1, "a user buffer at slot 4");
	CHECK_EQ(empty_slots(&r, 0, 5), 5, "one update empties 4 GET_BUF slots and the user buffer");
	settle(2, 2, "GET_BUF buffers and a user buffer emptied by one update");

	/* 2. replacement by a user buffer */
	fill(&r, nfd, ffd, 8);
	for (i = 0; i < 8; i++)
		CHECK_EQ(buf_update(&r, i, ubuf, GB_PAGE), 1, "replace with a user buffer");
	settle(4, 4, "replacement");
	for (i = 0; i < 8; i++)
		buf_empty(&r, i);
	settle(0, 0, "emptying user buffers");

	/* 3. IORING_UNREGISTER_BUFFERS */
	fill(&r, nfd, ffd, 8);
	CHECK_EQ(sys_register(r.fd, IORING_UNREGISTER_BUFFERS, NULL, 0), 0,
		 "unregister the table");
	settle(4, 4, "unregister");

	/* 4. ring close */
	CHECK_EQ(reg_sparse_bufs(&r, 8), 0, "sparse table again");
	fill(&r, nfd, ffd, 8);
	ring_exit(&r);
	settle(4, 4, "ring close");

	/* 5. process exit, ring never closed */
	pid = fork();
	if (pid == 0) {
		struct ring c;

		if (ring_init(&c, 8, 0) || reg_sparse_bufs(&c, 8))
			_exit(2);
		fill(&c, nfd, ffd, 8);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child filled its slots");
	settle(4, 4, "process exit");

	/* 6. process killed with a GET_BUF linked to a blocked read */
	pid = fork();
	if (pid == 0) {
		struct ring c;
		struct io_uring_sqe *sqe;
		int pfd[2];
		char b;

		if (ring_init(&c, 8, 0) || reg_sparse_bufs(&c, 2) || pipe(pfd))
			_exit(2);
		sqe = ring_sqe(&c);
		sqe_get_buf(sqe, nfd, 0, GB_PAGE, 0);
		sqe->flags = IOSQE_IO_LINK;
		sqe = ring_sqe(&c);
		sqe->opcode = IORING_OP_READ;
		sqe->fd = pfd[0];
		sqe->addr = (uintptr_t)&b;
		sqe->len = 1;
		ring_submit(&c, 0);
		pause();
		_exit(0);
	}
	usleep(300000);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	settle(1, 0, "process killed with requests in flight");

	/* 7. a table cloned to a second ring: released once, by the last ring */
	{
		struct {
			__u32 src_fd, flags, pad[6];
		} clone = { 0 };
		struct ring a, b;
		int ret;

		ring_init_or_die(&a, 8);
		ring_init_or_die(&b, 8);
		CHECK_EQ(reg_sparse_bufs(&a, 2), 0, "ring A: sparse table of 2");
		fill(&a, nfd, ffd, 2);
		clone.src_fd = a.fd;
		ret = sys_register(b.fd, 30 /* IORING_REGISTER_CLONE_BUFFERS */,
				   &clone, 1);
		CHECK_EQ(ret, 0, "clone ring A's table into ring B");
		buf_empty(&a, 0);
		buf_empty(&a, 1);
		ring_exit(&a);
		usleep(300000);
		mid = counters(GB_NULL_DBG);
		CHECK(mid.releases == n0.releases,
		      "ring A emptied and closed: nothing released while ring B holds the clones");
		CHECK_EQ(write_fixed(&b, open("/dev/null", O_WRONLY), 0, 3 * GB_PAGE, 0, 1),
			 3 * GB_PAGE, "ring B writes the cloned GET_BUF buffer");
		ring_exit(&b);
		settle(1, 1, "clone: last ring closed");
	}

	unlink(path);
	return gb_done();
}
