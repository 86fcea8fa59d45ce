// SPDX-License-Identifier: Apache-2.0
/*
 * The file changes after GET_BUF. The buffer holds references on the page
 * cache pages it was made of, so (documented in getbuf_io_uring.h):
 *  - data written to the file in place afterwards shows through the buffer;
 *  - after a truncation the buffer keeps its pages and length, and the
 *    bytes past the new size read as their old data or as zeroes: a page
 *    the truncation drops from the cache keeps its data, the part that
 *    stays in the cache is zeroed, which is the rest of the page holding
 *    the new end for small folios and the rest of the whole folio for a
 *    large one (tmpfs huge=always: up to 2 MiB of zeroes, checked below);
 *    nothing crashes or leaks;
 *  - a page replaced in the file (hole punched, then rewritten) is not the
 *    buffer's page any more: the buffer keeps the old bytes.
 * A new GET_BUF sees the new file.
 */
#include "gb.h"
#include <sys/mount.h>
#include <sys/stat.h>

#define N (4 * GB_PAGE)
#define HMNT "/run/getbuf-truncate-huge"
#define HUGE (2u << 20)

static unsigned char got[N], want[N];
static unsigned char hgot[2 << 20], hwant[2 << 20];

/*
 * tmpfs huge=always: a 4 MiB file is two 2 MiB folios. A buffer of MiB 1-3
 * (half of each), then a truncation to 1.5 MiB: bytes below it unchanged;
 * [1.5, 2) MiB is the cut part of folio 0, which stays in the cache (the
 * buffer holds it, so it cannot be split) and is zeroed in place; [2, 3) MiB
 * is folio 1, dropped from the cache whole, which keeps its data.
 */
static void huge_truncate(struct ring *r)
{
	const size_t from = 1u << 20, cut = 3u << 19;
	int fd, res;

	mkdir(HMNT, 0755);
	if (mount("tmpfs", HMNT, "tmpfs", 0, "huge=always,size=16m"))
		DIE("mount tmpfs huge=always on %s", HMNT);
	fd = make_file(HMNT "/f", 2 * HUGE, 21);
	CHECK_EQ(get_buf(r, fd, from, 2 << 20, 3), 2 << 20, "huge tmpfs: GET_BUF of MiB 1-3");
	if (ftruncate(fd, cut))
		DIE("ftruncate");
	res = slot_contents(r, 3, hgot, 2 << 20);
	CHECK_EQ(res, 0, "huge tmpfs: WRITE_FIXED of the whole buffer after truncation to 1.5 MiB");
	fill_pattern(hwant, from, 2 << 20, 21);
	CHECK(!memcmp(hgot, hwant, cut - from), "huge tmpfs: bytes before the new size unchanged");
	CHECK(all_zero(hgot + (cut - from), HUGE - cut),
	      "huge tmpfs: the cut half MiB of the folio left in the cache reads as zeroes");
	CHECK(!memcmp(hgot + (HUGE - from), hwant + (HUGE - from), from),
	      "huge tmpfs: the folio dropped from the cache keeps its data");
	buf_empty(r, 3);
	close(fd);
	unlink(HMNT "/f");
	umount2(HMNT, MNT_DETACH);
}

int main(void)
{
	const char *path = "/dev/shm/getbuf-truncate-test";
	struct gb_counters f0, f1;
	struct ring r;
	int fd, res;

	ring_init_or_die(&r, 8);
	require_getbuf(&r);
	CHECK_EQ(reg_sparse_bufs(&r, 4), 0, "sparse table of 4 slots");
	fd = make_file(path, N, 9);
	f0 = counters(GB_FILEMAP_DBG);

	/* rewrite in place */
	CHECK_EQ(get_buf(&r, fd, 0, N, 0), N, "GET_BUF 4 pages");
	fill_pattern(want, 0, N, 10);
	if (pwrite(fd, want + GB_PAGE, GB_PAGE, GB_PAGE) != GB_PAGE)
		DIE("pwrite");
	fill_pattern(want, 0, GB_PAGE, 9);
	fill_pattern(want + 2 * GB_PAGE, 2 * GB_PAGE, 2 * GB_PAGE, 9);
	res = slot_contents(&r, 0, got, N);
	CHECK(res == 0 && !memcmp(got, want, N),
	      "page 1 rewritten in place shows through the buffer, others unchanged");
	buf_empty(&r, 0);
	fd = make_file(path, N, 9);

	/* truncate to 1.5 pages */
	CHECK_EQ(get_buf(&r, fd, 0, N, 1), N, "GET_BUF 4 pages");
	if (ftruncate(fd, GB_PAGE + GB_PAGE / 2))
		DIE("ftruncate");
	fill_pattern(want, 0, N, 9);
	memset(want + GB_PAGE + GB_PAGE / 2, 0, GB_PAGE / 2);
	res = slot_contents(&r, 1, got, N);
	CHECK_EQ(res, 0, "WRITE_FIXED of the whole buffer after truncation");
	CHECK(!memcmp(got, want, GB_PAGE + GB_PAGE / 2),
	      "bytes before the new size unchanged");
	CHECK(!memcmp(got + GB_PAGE + GB_PAGE / 2, want + GB_PAGE + GB_PAGE / 2,
		      GB_PAGE / 2),
	      "rest of the partially truncated page reads as zeroes");
	CHECK(!memcmp(got + 2 * GB_PAGE, want + 2 * GB_PAGE, 2 * GB_PAGE),
	      "whole pages cut off keep their old data (small folios)");
	res = get_buf(&r, fd, 0, N, 2);
	CHECK_EQ(res, GB_PAGE + GB_PAGE / 2, "a new GET_BUF sees the new size");
	buf_empty(&r, 1);
	buf_empty(&r, 2);

	/* truncate to 0, then write new data */
	fd = make_file(path, N, 9);
	CHECK_EQ(get_buf(&r, fd, 0, N, 1), N, "GET_BUF 4 pages");
	if (ftruncate(fd, 0))
		DIE("ftruncate 0");
	fill_pattern(want, 0, N, 11);
	if (pwrite(fd, want, N, 0) != N)
		DIE("pwrite");
	res = slot_contents(&r, 1, got, N);
	fill_pattern(want, 0, N, 9);
	CHECK(res == 0 && !memcmp(got, want, N),
	      "after truncate to 0 and rewrite the buffer keeps the old bytes (pages were replaced)");
	res = get_buf(&r, fd, 0, N, 2);
	fill_pattern(want, 0, N, 11);
	CHECK_EQ(res, N, "a new GET_BUF of the rewritten file");
	res = slot_contents(&r, 2, got, N);
	CHECK(res == 0 && !memcmp(got, want, N), "and it holds the new bytes");
	buf_empty(&r, 1);
	buf_empty(&r, 2);

	/* file unlinked and closed while the buffer lives */
	CHECK_EQ(get_buf(&r, fd, GB_PAGE, GB_PAGE, 3), GB_PAGE, "GET_BUF 1 page");
	close(fd);
	unlink(path);
	res = slot_contents(&r, 3, got, GB_PAGE);
	CHECK(res == 0 && !memcmp(got, want + GB_PAGE, GB_PAGE),
	      "the buffer outlives its file being closed and unlinked");
	buf_empty(&r, 3);

	huge_truncate(&r);

	f1 = counters(GB_FILEMAP_DBG);
	CHECK(f1.gets - f0.gets == f1.releases - f0.releases && f1.pages == f0.pages,
	      "all %ld buffers released, page references back to %ld (now %ld)",
	      f1.gets - f0.gets, f0.pages, f1.pages);
	return gb_done();
}
