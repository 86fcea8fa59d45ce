// SPDX-License-Identifier: Apache-2.0
/*
 * Large folios: a tmpfs mounted with huge=always keeps a 4 MiB file in two
 * 2 MiB folios (checked with /proc/kpageflags). A buffer takes one reference
 * on each folio it lends from, however many of its pages it lends (one
 * segment per folio: references per 4 KiB would let buffers overflow a
 * folio's count, see getbuf_refcount), and gives exactly that back
 * (kpagerefs, see gb.h): a buffer straddling the two folios, one of 1 MiB
 * inside the first, and one sent over TCP; the bytes are checked.
 */
#include "gb.h"
#include <sys/mount.h>
#include <sys/stat.h>

#define MNT "/run/getbuf-huge"
#define HUGE (2u << 20)
#define FSIZE (2 * HUGE)
#define NP (FSIZE / GB_PAGE)
#define VIEW 8	/* pages viewed at the start of each folio */

static unsigned char got[1 << 20], want[1 << 20];

/* The view maps the first VIEW pages of each folio: page i < VIEW is page i of folio A. */
static long folio_ref(const long *refs, int folio)
{
	return refs[folio * VIEW];
}

static int is_huge_folio(struct page_view *w)
{
	uint64_t fl0 = view_kpageflags(w, 0), fl1 = view_kpageflags(w, VIEW - 1);

	return (fl0 & (1ULL << GB_KPF_COMPOUND_HEAD)) && (fl1 & (1ULL << GB_KPF_COMPOUND_TAIL)) &&
	       w->pfn[VIEW - 1] == w->pfn[0] + VIEW - 1 && !(w->pfn[0] % (HUGE / GB_PAGE));
}

/*
 * tmpfs gives the file huge folios only where the allocator finds free 2 MiB
 * blocks: in the debug kernel's 1 GiB VM (KASAN, kmemleak) memory can be too
 * fragmented for one after the earlier tests, so compact it and write the file
 * again, a few times, before the check below speaks.
 */
static int make_huge_file(struct page_view *va, struct page_view *vb)
{
	int fd = -1, attempt, wfd;

	for (attempt = 0; attempt < 5; attempt++) {
		if (attempt) {
			view_unmap(va);
			view_unmap(vb);
			close(fd);
			unlink(MNT "/big");
			sync();
			wfd = open("/proc/sys/vm/drop_caches", O_WRONLY);
			if (wfd >= 0) {
				(void)!write(wfd, "3", 1);
				close(wfd);
			}
			wfd = open("/proc/sys/vm/compact_memory", O_WRONLY);
			if (wfd >= 0) {
				(void)!write(wfd, "1", 1);
				close(wfd);
			}
		}
		fd = make_file(MNT "/big", FSIZE, 31);
		view_map(va, fd, 0, VIEW);
		view_map(vb, fd, HUGE, VIEW);
		if (is_huge_folio(va) && is_huge_folio(vb))
			break;
		printf("  (attempt %d: no 2 MiB folios; compacting memory)\n", attempt + 1);
	}
	return fd;
}

int main(void)
{
	struct page_view va, vb;
	long ra0[VIEW], rb0[VIEW], ra[VIEW], rb[VIEW];
	struct ring r;
	int fd, res, snd, rcv, nres, i;
	uint64_t fl0, fl1;

	ring_init_or_die(&r, 8);
	require_getbuf(&r);
	CHECK_EQ(reg_sparse_bufs(&r, 4), 0, "sparse table of 4 slots");
	mkdir(MNT, 0755);
	if (mount("tmpfs", MNT, "tmpfs", 0, "huge=always,size=64m"))
		DIE("mount tmpfs huge=always on %s (CONFIG_TRANSPARENT_HUGEPAGE?)", MNT);
	fd = make_huge_file(&va, &vb);
	for (i = 0; i < 2; i++) {
		struct page_view *w = i ? &vb : &va;

		fl0 = view_kpageflags(w, 0);
		fl1 = view_kpageflags(w, VIEW - 1);
		CHECK(is_huge_folio(w),
		      "MiB %d-%d of the file is one 2 MiB folio (kpageflags 0x%llx, 0x%llx; PFN 0x%llx)",
		      2 * i, 2 * i + 2, (unsigned long long)fl0, (unsigned long long)fl1,
		      (unsigned long long)w->pfn[0]);
	}
	view_refs(&va, ra0);
	view_refs(&vb, rb0);
	for (i = 1; i < VIEW; i++)
		if (ra0[i] != ra0[0] || rb0[i] != rb0[0])
			break;
	CHECK(i == VIEW, "all pages of a folio show the folio's count (%ld, %ld)",
	      ra0[0], rb0[0]);

	/* 1. straddling: the last 2 pages of A, the first 2 of B, unaligned */
	res = get_buf(&r, fd, HUGE - 2 * GB_PAGE + 100, 4 * GB_PAGE - 200, 0);
	CHECK_EQ(res, 4 * GB_PAGE - 200, "GET_BUF across the two folios");
	view_refs(&va, ra);
	view_refs(&vb, rb);
	CHECK(folio_ref(ra, 0) == folio_ref(ra0, 0) + 1 && folio_ref(rb, 0) == folio_ref(rb0, 0) + 1,
	      "2 pages from each folio: +1 each (A %+ld, B %+ld)",
	      folio_ref(ra, 0) - folio_ref(ra0, 0), folio_ref(rb, 0) - folio_ref(rb0, 0));
	res = slot_contents(&r, 0, got, 4 * GB_PAGE - 200);
	fill_pattern(want, HUGE - 2 * GB_PAGE + 100, 4 * GB_PAGE - 200, 31);
	CHECK(res == 0 && !memcmp(got, want, 4 * GB_PAGE - 200), "bytes exact across the folio boundary");

	/* 2. 1 MiB inside A: 256 more references on A, B unchanged */
	res = get_buf(&r, fd, 4096 * 3, 1 << 20, 1);
	CHECK_EQ(res, 1 << 20, "GET_BUF 1 MiB inside folio A");
	view_refs(&va, ra);
	view_refs(&vb, rb);
	CHECK(folio_ref(ra, 0) == folio_ref(ra0, 0) + 2 && folio_ref(rb, 0) == folio_ref(rb0, 0) + 1,
	      "256 pages of A in one more buffer: A %+ld (want +2), B %+ld (want +1)",
	      folio_ref(ra, 0) - folio_ref(ra0, 0), folio_ref(rb, 0) - folio_ref(rb0, 0));
	res = slot_contents(&r, 1, got, 1 << 20);
	fill_pattern(want, 4096 * 3, 1 << 20, 31);
	CHECK(res == 0 && !memcmp(got, want, 1 << 20), "1 MiB bytes exact");

	CHECK_EQ(buf_empty(&r, 0), 1, "empty slot 0");
	CHECK(view_wait_refs(&vb, rb0, NULL, rb), "B back to its count (%s)", refs_str(rb, rb0, 1));
	CHECK_EQ(buf_empty(&r, 1), 1, "empty slot 1");
	CHECK(view_wait_refs(&va, ra0, NULL, ra), "A back to its count (%s)", refs_str(ra, ra0, 1));

	/* 3. over TCP: the socket's own references come and go too */
	tcp_pair_sized(&snd, &rcv, 4 << 20, 4 << 20);
	res = get_buf(&r, fd, HUGE - (1 << 19), 1 << 20, 2);
	CHECK_EQ(res, 1 << 20, "GET_BUF 1 MiB across the boundary into slot 2");
	{
		struct io_uring_sqe *sqe = ring_sqe(&r);

		sqe_send_zc_fixed(sqe, snd, 0, 1 << 20, 2, 0);
		sqe->msg_flags = MSG_WAITALL;
	}
	ring_submit(&r, 0);
	if (read_full(rcv, got, 1 << 20))
		DIE("recv");
	reap_send_zc(&r, &res, &nres);
	CHECK_EQ(res, 1 << 20, "SEND_ZC of it");
	fill_pattern(want, HUGE - (1 << 19), 1 << 20, 31);
	CHECK(!memcmp(got, want, 1 << 20), "receiver got the bytes");
	CHECK_EQ(buf_empty(&r, 2), 1, "empty slot 2");
	CHECK(view_wait_refs(&va, ra0, NULL, ra) && view_wait_refs(&vb, rb0, NULL, rb),
	      "both folios back to their counts after send and receive (A %s, B %s)",
	      refs_str(ra, ra0, 1), refs_str(rb, rb0, 1));
	close(snd);
	close(rcv);

	view_unmap(&va);
	view_unmap(&vb);
	close(fd);
	unlink(MNT "/big");
	umount(MNT);
	return gb_done();
}
