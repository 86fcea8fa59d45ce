// SPDX-License-Identifier: Apache-2.0
/*
 * 10,000 GET_BUF / release cycles, each GET_BUF linked to a WRITE_FIXED to
 * /dev/null and followed by an update emptying the slot, alternating between
 * the /dev/null provider (references to its shared pattern pages) and a tmpfs
 * file. Every buffer is released, the providers hold no pages afterwards, the
 * reference counts of the file's 4 pages (kpagerefs, see gb.h) are where they
 * were before the 5000 buffers lent them, and free memory (/proc/meminfo) does
 * not shrink by more than the slack allowed (a coarse check on its own: it
 * would not see a few pages).
 */
#include "gb.h"

#define CYCLES 10000
#define LEN (4 * GB_PAGE)

int main(void)
{
	const char *path = "/dev/shm/getbuf-leak-test";
	struct gb_counters n0, n1, f0, f1;
	long base[4], now[4];
	struct page_view v;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe c;
	struct ring r;
	long mem0, mem1;
	int fd, nfd, out, i, bad = 0, res;

	ring_init_or_die(&r, 16);
	require_getbuf(&r);
	CHECK_EQ(reg_sparse_bufs(&r, 2), 0, "sparse table of 2 slots");
	fd = make_file(path, LEN, 12);
	nfd = open("/dev/null", O_RDONLY);
	out = open("/dev/null", O_WRONLY);

	/* warm up caches (slabs, request cache) before measuring */
	for (i = 0; i < 200; i++) {
		get_buf(&r, (i & 1) ? fd : nfd, 0, LEN, 0);
		buf_empty(&r, 0);
	}
	sync();
	view_map(&v, fd, 0, 4);
	view_refs(&v, base);
	mem0 = meminfo_kb("MemAvailable");
	n0 = counters(GB_NULL_DBG);
	f0 = counters(GB_FILEMAP_DBG);

	for (i = 0; i < CYCLES; i++) {
		sqe = ring_sqe(&r);
		sqe_get_buf(sqe, (i & 1) ? fd : nfd, 0, LEN, 0);
		sqe->flags = IOSQE_IO_LINK;
		sqe = ring_sqe(&r);
		sqe_rw_fixed(sqe, IORING_OP_WRITE_FIXED, out, 0, LEN, 0, 0);
		res = ring_submit(&r, 2);
		ring_cqe(&r, &c);
		if (c.res != LEN)
			bad++;
		ring_cqe(&r, &c);
		if (c.res != LEN)
			bad++;
		if (buf_empty(&r, 0) != 1)
			bad++;
		if (res != 2)
			bad++;
	}
	CHECK(bad == 0, "%d cycles of GET_BUF -> WRITE_FIXED -> empty, %d errors",
	      CYCLES, bad);

	n1 = counters(GB_NULL_DBG);
	f1 = counters(GB_FILEMAP_DBG);
	mem1 = meminfo_kb("MemAvailable");
	CHECK(n1.gets - n0.gets == CYCLES / 2 && n1.releases - n0.releases == CYCLES / 2,
	      "/dev/null: %ld handed out, %ld released (want %d)",
	      n1.gets - n0.gets, n1.releases - n0.releases, CYCLES / 2);
	CHECK(f1.gets - f0.gets == CYCLES / 2 && f1.releases - f0.releases == CYCLES / 2,
	      "page cache: %ld handed out, %ld released (want %d)",
	      f1.gets - f0.gets, f1.releases - f0.releases, CYCLES / 2);
	CHECK(n1.pages == n0.pages && f1.pages == f0.pages,
	      "pages held: /dev/null %ld -> %ld, page cache %ld -> %ld",
	      n0.pages, n1.pages, f0.pages, f1.pages);
	CHECK(view_wait_refs(&v, base, NULL, now),
	      "the file's 4 pages: reference counts as before the cycles (%s)",
	      refs_str(now, base, 4));
	view_unmap(&v);
	/* a leak would be 5000 x 4 pages = 80 MiB from /dev/null alone */
	CHECK(mem0 - mem1 < 8 * 1024,
	      "MemAvailable %ld kB -> %ld kB (drop %ld kB, limit 8192 kB; a leak would be ~80000 kB)",
	      mem0, mem1, mem0 - mem1);
	unlink(path);
	return gb_done();
}
