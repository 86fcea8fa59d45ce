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
 *
 * Slab level (descriptors, not only pages): the active objects of every
 * slab cache (/proc/slabinfo, CONFIG_SLUB_DEBUG) after the cycles, with the
 * ring closed, against before: no cache may have grown by 500 objects or
 * more (a leaked descriptor, request or resource node per cycle would be
 * 5,000 to 10,000). The /dev/null provider's pattern pages are counted
 * like the page cache ones: their real reference counts (kpagerefs of the
 * PFNs in /sys/kernel/debug/getbuf-null/pfns) are back where they were.
 */
#include "gb.h"

#define CYCLES 10000
#define LEN (4 * GB_PAGE)
#define MAX_CACHES 512

struct slab_count {
	char name[64];
	long active;
};

/* Active objects per cache from /proc/slabinfo; returns the number of caches. */
static int slab_counts(struct slab_count *c)
{
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		DIE("open /proc/slabinfo (CONFIG_SLUB_DEBUG)");
	while (fgets(line, sizeof(line), f) && n < MAX_CACHES) {
		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %ld", c[n].name, &c[n].active) == 2)
			n++;
	}
	fclose(f);
	return n;
}

/* The /dev/null provider's pattern pages (PFN 0: not allocated). */
static int null_pfns(uint64_t *pfn, int max)
{
	FILE *f = fopen(GB_NULL_DBG "pfns", "r");
	int n = 0;

	if (!f)
		DIE("open %spfns", GB_NULL_DBG);
	while (n < max && fscanf(f, "%llu", (unsigned long long *)&pfn[n]) == 1)
		n++;
	fclose(f);
	return n;
}

static struct slab_count slab0[MAX_CACHES], slab1[MAX_CACHES];
static uint64_t npfn[256];
static long nref0[256], nref1[256];

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
	int fd, nfd, out, i, j, bad = 0, res, ns, nslab0, nslab1, grown = 0, npat = 0;

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
	ns = null_pfns(npfn, 256);
	for (i = 0; i < ns; i++)
		nref0[i] = npfn[i] ? (long)read_u64_at(GB_FILEMAP_DBG "kpagerefs", npfn[i]) : 0;
	nslab0 = slab_counts(slab0);
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
	for (i = 0, j = 0; i < ns; i++) {
		if (!npfn[i])
			continue;
		npat++;
		nref1[i] = (long)read_u64_at(GB_FILEMAP_DBG "kpagerefs", npfn[i]);
		if (nref1[i] != nref0[i] && j++ < 3)
			printf("    /dev/null pattern page %d (PFN 0x%llx): %ld -> %ld references\n",
			       i, (unsigned long long)npfn[i], nref0[i], nref1[i]);
	}
	CHECK(npat >= 4 && j == 0,
	      "the /dev/null provider's %d pattern pages: reference counts as before (%d differ)",
	      npat, j);

	/* slab level: the ring's caches go with the ring */
	close(r.fd);
	munmap(r.sq_map, r.sq_map_sz);
	if (r.cq_map != r.sq_map)
		munmap(r.cq_map, r.cq_map_sz);
	munmap(r.sqes, r.sqes_sz);
	usleep(500000);	/* the ring is freed from a workqueue */
	nslab1 = slab_counts(slab1);
	for (i = 0; i < nslab1; i++) {
		for (j = 0; j < nslab0; j++)
			if (!strcmp(slab0[j].name, slab1[i].name))
				break;
		if (slab1[i].active - (j < nslab0 ? slab0[j].active : 0) >= 500) {
			grown++;
			printf("    slab cache %s: %ld -> %ld active objects\n", slab1[i].name,
			       j < nslab0 ? slab0[j].active : 0, slab1[i].active);
		}
	}
	CHECK(nslab1 > 10 && grown == 0,
	      "%d slab caches, none grew by 500 objects or more over %d cycles (%d did)",
	      nslab1, CYCLES, grown);
	/* a leak would be 5000 x 4 pages = 80 MiB from /dev/null alone */
	CHECK(mem0 - mem1 < 8 * 1024,
	      "MemAvailable %ld kB -> %ld kB (drop %ld kB, limit 8192 kB; a leak would be ~80000 kB)",
	      mem0, mem1, mem0 - mem1);
	unlink(path);
	return gb_done();
}
