// SPDX-License-Identifier: Apache-2.0
/*
 * Reference counts a buffer takes must not be able to overflow. A page's
 * count is 31 bits; the pipe buffers' per-page references were such an
 * overflow once (CVE-2019-11487). So a GET_BUF buffer takes one reference per
 * folio it lends (not one per 4 KiB of it), none on the shared zero page a
 * hole is lent as (it is never freed), and the provider refuses a folio whose
 * count is near overflow.
 *
 * Checked with the test kernel's kpagerefs (debugfs), the folio's real count:
 *  - 16 slots each holding a 1 GiB hole of a sparse tmpfs file (read-only fd):
 *    the zero page's count does not move (it would gain 16 x 262,144; 512 such
 *    tables of 16 x 1 GiB overflow it);
 *  - one 4-page file lent by 3 buffers at once: +3 on each page, back after;
 *  - the bytes of the hole buffers are zeroes (WRITE_FIXED to a pipe, 1 MiB
 *    from the start, the middle and the end of one).
 */
#include "gb.h"

#define HOLE	(1UL << 30)
#define SLOTS	16

static unsigned char got[1 << 20];

/* The PFN of the zero page: a private anonymous page only read is mapped to it. */
static uint64_t zero_page_pfn(void)
{
	unsigned char *p = mmap(NULL, 4 * GB_PAGE, PROT_READ,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t e;

	if (p == MAP_FAILED)
		DIE("mmap anon");
	madvise(p, 4 * GB_PAGE, MADV_NOHUGEPAGE);
	(void)*(volatile unsigned char *)(p + GB_PAGE);
	e = read_u64_at("/proc/self/pagemap", ((uintptr_t)(p + GB_PAGE) >> 12));
	if (!(e & (1ULL << 63)) || !(e & ((1ULL << 55) - 1)))
		DIE("no PFN for the zero page (pagemap 0x%llx)", (unsigned long long)e);
	return e & ((1ULL << 55) - 1);
}

int main(void)
{
	const char *hole_path = "/dev/shm/getbuf-refcount-hole";
	const char *small_path = "/dev/shm/getbuf-refcount-small";
	long z0, z1, z2, base[4], now[4], delta[4];
	struct page_view v;
	uint64_t zpfn;
	struct ring r;
	int hfd, sfd, i, res, ok;

	ring_init_or_die(&r, 8);
	require_getbuf(&r);
	CHECK_EQ(reg_sparse_bufs(&r, SLOTS + 3), 0, "sparse table of 19 slots");

	zpfn = zero_page_pfn();
	z0 = (long)read_u64_at(GB_FILEMAP_DBG "kpagerefs", zpfn);
	hfd = open(hole_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (hfd < 0 || ftruncate(hfd, HOLE))
		DIE("sparse file");
	close(hfd);
	hfd = open(hole_path, O_RDONLY);
	if (hfd < 0)
		DIE("open hole");
	ok = 1;
	for (i = 0; i < SLOTS; i++) {
		res = get_buf(&r, hfd, 0, HOLE, i);
		if (res != (int)HOLE) {
			CHECK(0, "GET_BUF of the 1 GiB hole into slot %d: %d", i, res);
			ok = 0;
			break;
		}
	}
	CHECK(ok, "16 GET_BUFs of a 1 GiB hole");
	z1 = (long)read_u64_at(GB_FILEMAP_DBG "kpagerefs", zpfn);
	CHECK(z1 - z0 == 0,
	      "zero page references while 16 x 1 GiB of hole are lent: %+ld (%ld per GiB lent)",
	      z1 - z0, (z1 - z0) / SLOTS);
	if (z1 > z0)
		printf("    at that rate %ld buffers of 1 GiB overflow the zero page's 31-bit count\n",
		       (0x7fffffffL - z1) / ((z1 - z0) / SLOTS) + SLOTS);
	for (i = 0; i < 3; i++) {
		size_t off = i == 0 ? 0 : i == 1 ? HOLE / 2 : HOLE - sizeof(got);
		int pfd[2];

		if (pipe2(pfd, 0))
			DIE("pipe");
		fcntl(pfd[1], F_SETPIPE_SZ, sizeof(got));
		res = write_fixed(&r, pfd[1], off, sizeof(got), 0, 3);
		if (res != (int)sizeof(got) || read_full(pfd[0], got, sizeof(got)))
			CHECK(0, "WRITE_FIXED of 1 MiB at %zu of the hole buffer: %d", off, res);
		else
			CHECK(all_zero(got, sizeof(got)), "1 MiB at %zu of the hole buffer reads as zeroes", off);
		close(pfd[0]);
		close(pfd[1]);
	}
	for (i = 0; i < SLOTS; i++)
		buf_empty(&r, i);
	z2 = (long)read_u64_at(GB_FILEMAP_DBG "kpagerefs", zpfn);
	CHECK(z2 == z0, "zero page references after emptying: %+ld", z2 - z0);
	close(hfd);
	unlink(hole_path);

	/* one reference per buffer and folio */
	sfd = make_file(small_path, 4 * GB_PAGE, 3);
	view_map(&v, sfd, 0, 4);
	view_refs(&v, base);
	for (i = 0; i < 3; i++)
		CHECK_EQ(get_buf(&r, sfd, 0, 4 * GB_PAGE, SLOTS + i), 4 * GB_PAGE,
			 "GET_BUF of the 4-page file");
	for (i = 0; i < 4; i++)
		delta[i] = 3;
	CHECK(view_wait_refs(&v, base, delta, now),
	      "3 buffers of the 4-page file: each page +3 (got %s)", refs_str(now, base, 4));
	for (i = 0; i < 3; i++)
		buf_empty(&r, SLOTS + i);
	CHECK(view_wait_refs(&v, base, NULL, now),
	      "after emptying: references back (got %s)", refs_str(now, base, 4));
	view_unmap(&v);
	close(sfd);
	unlink(small_path);
	return gb_done();
}
