// SPDX-License-Identifier: Apache-2.0
/*
 * GET_BUF from a tmpfs file (/dev/shm): a full page, an unaligned offset,
 * 1 MiB across many pages, short at end of file, nothing at or past it, and
 * the bytes checked by writing the slot to a pipe with WRITE_FIXED (also from
 * an offset inside the buffer, and linked to the GET_BUF in one submission).
 * Holes read through a read-only descriptor behave as read(2): zeroes (the
 * zero page), served inline, nothing allocated; fallocated but unwritten
 * pages (not uptodate) are looked at from io-wq and read as zeroes too.
 */
#include "gb.h"
#include <sys/stat.h>

#define FSIZE ((1u << 20) + 3 * GB_PAGE + 1000)

static unsigned char expect[FSIZE], got[FSIZE];

static void check_slot(struct ring *r, unsigned int slot, size_t off,
		       unsigned int len, unsigned int seed, const char *what)
{
	int ret;

	memset(got, 0xee, len);
	ret = slot_contents(r, slot, got, len);
	fill_pattern(expect, off, len, seed);
	CHECK(ret == 0 && !memcmp(got, expect, len),
	      "%s: WRITE_FIXED to a pipe gives the file's %u bytes at %zu (ret %d)",
	      what, len, off, ret);
}

static void case_get(struct ring *r, int fd, size_t off, unsigned int len,
		     int want, const char *what)
{
	int res = get_buf(r, fd, off, len, 0);

	CHECK(res == want, "%s: GET_BUF off %zu len %u -> %d (want %d)", what,
	      off, len, res, want);
	if (res > 0)
		check_slot(r, 0, off, res, 1, what);
	CHECK_EQ(buf_empty(r, 0), 1, "emptying the slot");
}

int main(void)
{
	const char *path = "/dev/shm/getbuf-tmpfs-test";
	struct gb_counters c0, c1;
	struct io_uring_cqe cqe[2];
	struct io_uring_sqe *sqe;
	struct ring r;
	int fd, res, pfd[2], i;

	ring_init_or_die(&r, 16);
	require_getbuf(&r);
	CHECK_EQ(reg_sparse_bufs(&r, 8), 0, "register a sparse table of 8 slots");
	fd = make_file(path, FSIZE, 1);
	c0 = counters(GB_FILEMAP_DBG);

	case_get(&r, fd, 0, GB_PAGE, GB_PAGE, "full page");
	case_get(&r, fd, GB_PAGE * 2, GB_PAGE, GB_PAGE, "full page at 8192");
	case_get(&r, fd, 1000, 5000, 5000, "unaligned offset across 2 pages");
	case_get(&r, fd, 4095, 2, 2, "2 bytes straddling a page boundary");
	case_get(&r, fd, 100, 1u << 20, 1u << 20, "1 MiB at offset 100 (257 pages)");
	case_get(&r, fd, FSIZE - 100, GB_PAGE, 100, "short at end of file");
	case_get(&r, fd, FSIZE, GB_PAGE, 0, "at end of file");
	case_get(&r, fd, FSIZE + 5 * GB_PAGE, GB_PAGE, 0, "past end of file");

	/* nothing was installed at EOF: the slot is still empty */
	res = get_buf(&r, fd, FSIZE, 10, 0);
	CHECK_EQ(res, 0, "GET_BUF at EOF");
	res = write_fixed(&r, open("/dev/null", O_WRONLY), 0, 1, 0, 0);
	CHECK_EQ(res, -EFAULT, "WRITE_FIXED from the slot left empty by a 0-byte GET_BUF");

	/* consumers see exactly the installed range */
	res = get_buf(&r, fd, 3 * GB_PAGE + 123, 3 * GB_PAGE, 1);
	CHECK_EQ(res, 3 * GB_PAGE, "GET_BUF 3 pages at an unaligned offset into slot 1");
	if (pipe(pfd))
		DIE("pipe");
	res = write_fixed(&r, pfd[1], GB_PAGE - 7, GB_PAGE + 50, 0, 1);
	CHECK_EQ(res, GB_PAGE + 50, "WRITE_FIXED from inside the buffer, across segments");
	read_full(pfd[0], got, GB_PAGE + 50);
	fill_pattern(expect, 3 * GB_PAGE + 123 + GB_PAGE - 7, GB_PAGE + 50, 1);
	CHECK(!memcmp(got, expect, GB_PAGE + 50), "bytes from inside the buffer are exact");
	res = write_fixed(&r, pfd[1], 2 * GB_PAGE, GB_PAGE + 1, 0, 1);
	CHECK_EQ(res, -EFAULT, "WRITE_FIXED past the installed length");
	CHECK_EQ(buf_empty(&r, 1), 1, "emptying slot 1");

	/* GET_BUF -> WRITE_FIXED linked in one submission */
	sqe = ring_sqe(&r);
	sqe_get_buf(sqe, fd, 5000, 8192, 2);
	sqe->flags = IOSQE_IO_LINK;
	sqe->user_data = 1;
	sqe = ring_sqe(&r);
	sqe_rw_fixed(sqe, IORING_OP_WRITE_FIXED, pfd[1], 0, 8192, 0, 2);
	sqe->user_data = 2;
	res = ring_submit(&r, 2);
	CHECK_EQ(res, 2, "submit GET_BUF linked to WRITE_FIXED");
	ring_cqe(&r, &cqe[0]);
	ring_cqe(&r, &cqe[1]);
	CHECK(cqe[0].user_data == 1 && cqe[0].res == 8192,
	      "linked GET_BUF completes first with 8192 (res %d)", cqe[0].res);
	CHECK(cqe[1].user_data == 2 && cqe[1].res == 8192,
	      "linked WRITE_FIXED finds the new buffer and writes 8192 (res %d)",
	      cqe[1].res);
	read_full(pfd[0], got, 8192);
	fill_pattern(expect, 5000, 8192, 1);
	CHECK(!memcmp(got, expect, 8192), "linked write: bytes exact");
	CHECK_EQ(buf_empty(&r, 2), 1, "emptying slot 2");

	/* a short GET_BUF breaks the link */
	sqe = ring_sqe(&r);
	sqe_get_buf(sqe, fd, FSIZE - 10, 8192, 2);
	sqe->flags = IOSQE_IO_LINK;
	sqe = ring_sqe(&r);
	sqe_rw_fixed(sqe, IORING_OP_WRITE_FIXED, pfd[1], 0, 8192, 0, 2);
	ring_submit(&r, 2);
	ring_cqe(&r, &cqe[0]);
	ring_cqe(&r, &cqe[1]);
	CHECK(cqe[0].res == 10 && cqe[1].res == -ECANCELED,
	      "short GET_BUF (res %d) cancels the linked write (res %d)",
	      cqe[0].res, cqe[1].res);
	CHECK_EQ(buf_empty(&r, 2), 1, "emptying slot 2");

	/* everything so far was cached: done inline, no io-wq worker exists */
	CHECK_EQ(nr_threads(), 1, "threads after cached GET_BUFs (no io-wq punt)");

	/*
	 * Holes, on a read-only descriptor: like read(2) (and splice), GET_BUF
	 * gives zeroes without allocating anything in the file: the buffer
	 * lends the zero page there, inline (there is nothing to wait for).
	 */
	{
		const char *spath = "/dev/shm/getbuf-tmpfs-sparse";
		int sfd = open(spath, O_RDWR | O_CREAT | O_TRUNC, 0644), rfd;
		struct stat st0, st1;

		if (sfd < 0 || ftruncate(sfd, 64 * GB_PAGE))
			DIE("sparse file");
		fill_pattern(expect, 10 * GB_PAGE, GB_PAGE, 1);
		if (pwrite(sfd, expect, GB_PAGE, 10 * GB_PAGE) != GB_PAGE)
			DIE("pwrite");
		rfd = open(spath, O_RDONLY);
		if (rfd < 0 || fstat(rfd, &st0))
			DIE("open read-only");
		res = get_buf(&r, rfd, 0, 64 * GB_PAGE, 3);
		CHECK_EQ(res, 64 * GB_PAGE,
			 "GET_BUF of 64 pages, all holes but page 10, on a read-only fd");
		CHECK_EQ(nr_threads(), 1, "served inline (no io-wq worker): holes need no I/O");
		if (fstat(rfd, &st1))
			DIE("fstat");
		CHECK(st1.st_blocks == st0.st_blocks,
		      "nothing allocated for the holes: st_blocks %lld -> %lld",
		      (long long)st0.st_blocks, (long long)st1.st_blocks);
		memset(got, 0xee, 64 * GB_PAGE);
		slot_contents(&r, 3, got, 64 * GB_PAGE);
		for (i = 0; i < 64 * GB_PAGE; i++)
			if (i / GB_PAGE == 10 ? got[i] != expect[i % GB_PAGE] : got[i])
				break;
		CHECK(i == 64 * GB_PAGE,
		      "holes read as zeroes, page 10 as written (first difference at %d)", i);
		/* data written into a hole later is a new page: the buffer keeps zeroes */
		if (pwrite(sfd, expect, GB_PAGE, 20 * GB_PAGE) != GB_PAGE)
			DIE("pwrite");
		slot_contents(&r, 3, got, 21 * GB_PAGE);
		for (i = 20 * GB_PAGE; i < 21 * GB_PAGE && !got[i]; i++)
			;
		CHECK(i == 21 * GB_PAGE, "a hole written after GET_BUF still reads as zeroes in the buffer");
		CHECK_EQ(buf_empty(&r, 3), 1, "emptying slot 3");
		res = get_buf(&r, rfd, 20 * GB_PAGE, GB_PAGE, 3);
		slot_contents(&r, 3, got, GB_PAGE);
		CHECK(res == GB_PAGE && !memcmp(got, expect, GB_PAGE),
		      "a new GET_BUF sees the data written there");
		CHECK_EQ(buf_empty(&r, 3), 1, "emptying slot 3");

		/* fallocated, never written: not uptodate, retried from io-wq */
		if (fallocate(sfd, 0, 32 * GB_PAGE, 8 * GB_PAGE))
			DIE("fallocate");
		res = get_buf(&r, rfd, 32 * GB_PAGE, 8 * GB_PAGE, 3);
		CHECK_EQ(res, 8 * GB_PAGE, "GET_BUF of fallocated, unwritten pages");
		CHECK(nr_threads() >= 2,
		      "they were looked at from an io-wq worker (threads now %d)",
		      nr_threads());
		memset(got, 0xee, 8 * GB_PAGE);
		slot_contents(&r, 3, got, 8 * GB_PAGE);
		for (i = 0; i < 8 * GB_PAGE && !got[i]; i++)
			;
		CHECK(i == 8 * GB_PAGE, "and read as zeroes");
		CHECK_EQ(buf_empty(&r, 3), 1, "emptying slot 3");
		close(rfd);
		close(sfd);
		unlink(spath);
	}

	/* every buffer handed out went back */
	c1 = counters(GB_FILEMAP_DBG);
	CHECK(c1.gets - c0.gets == 12,
	      "page-cache provider handed out 12 buffers (got %ld)",
	      c1.gets - c0.gets);
	CHECK(c1.releases - c0.releases == c1.gets - c0.gets,
	      "released as many as handed out (%ld vs %ld)",
	      c1.releases - c0.releases, c1.gets - c0.gets);
	CHECK(c1.pages == c0.pages, "page references held back to %ld (now %ld)",
	      c0.pages, c1.pages);

	close(fd);
	unlink(path);
	ring_exit(&r);
	return gb_done();
}
