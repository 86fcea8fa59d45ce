// SPDX-License-Identifier: Apache-2.0
/*
 * GET_BUF from ext4 on the VM's virtio-blk disk (kernel/vm/test makes it;
 * GETBUF_EXT4 is where it is mounted). Bytes are compared with pread().
 *
 * 1. Uncached (page cache dropped): the first GET_BUF starts the read and waits
 *    for the page without an io-wq worker (like a buffered READ on ext4), and
 *    reads ahead as read(2) does (the pages after it are cached too, mincore);
 *    a sequential walk through the file; an unaligned range; the partial last
 *    page.
 * 2. Cached: full page, unaligned, 2 bytes across a page boundary, 1 MiB
 *    unaligned, short at end of file, at and past it; all inline (no worker).
 * 3. Page references (kpagerefs, see gb.h) before, while and after lending:
 *    +1 per page while a slot holds it, back after the slot is emptied, and
 *    after a GET_BUF -> SEND_ZC over TCP once the receiver has read it all.
 * 4. big.dat, written on the host, larger than the VM's memory: streamed
 *    through 8 slots (GET_BUF linked to WRITE_FIXED to /dev/null, 1 MiB each)
 *    while two other slots hold a chunk from the start and one from the
 *    middle all along; every 32nd chunk and the held ones are compared with
 *    the pattern; every buffer is released and the held pages are intact.
 */
#include "gb.h"
#include <sys/stat.h>
#include <time.h>

#define FSIZE (3 * (1 << 20) + 1234)	/* partial last page */
#define CHUNK (1 << 20)
#define BIG_SEED 42			/* kernel/vm/test: pattern-file ... 42 */

static unsigned char got[2 * CHUNK], want[2 * CHUNK];

/* GET_BUF, compare with pread, empty the slot; returns the GET_BUF result. */
static int check(struct ring *r, int fd, off_t off, unsigned int len,
		 long expect_res, const char *what)
{
	int res = get_buf(r, fd, off, len, 0), ret = 0;

	CHECK(res == expect_res, "%s: GET_BUF off %lld len %u -> %d (want %ld)",
	      what, (long long)off, len, res, expect_res);
	if (res > 0) {
		ret = slot_contents(r, 0, got, res);
		if (pread(fd, want, res, off) != res)
			DIE("pread");
		CHECK(ret == 0 && !memcmp(got, want, res), "%s: bytes equal pread()'s",
		      what);
	}
	buf_empty(r, 0);
	return res;
}

/* Pages of [off, off + len) resident in the page cache, by mincore(). */
static int resident(int fd, off_t off, size_t len)
{
	unsigned char vec[1024];
	size_t i, n = len / GB_PAGE;
	int count = 0;
	void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, off);

	if (p == MAP_FAILED || n > sizeof(vec) || mincore(p, len, vec))
		DIE("mincore");
	for (i = 0; i < n; i++)
		count += vec[i] & 1;
	munmap(p, len);
	return count;
}

static void big_file(struct ring *r, const char *dir)
{
	char path[512];
	struct gb_counters c0, c1;
	struct io_uring_cqe c;
	struct stat st;
	long memtotal = meminfo_kb("MemTotal"), nchunks, i, checked = 0, bad = 0;
	int fd, nfd, ret, k, inflight;
	double t0, t1;
	struct timespec ts;

	snprintf(path, sizeof(path), "%s/big.dat", dir);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		DIE("%s (made by kernel/vm/test)", path);
	CHECK(st.st_size / 1024 > memtotal,
	      "big.dat (%lld MiB) is larger than the VM's memory (MemTotal %ld MiB)",
	      (long long)st.st_size >> 20, memtotal >> 10);
	nchunks = st.st_size / CHUNK;
	nfd = open("/dev/null", O_WRONLY);
	drop_caches();
	c0 = counters(GB_FILEMAP_DBG);
	/* slots 8 and 9 hold chunk 0 and the middle chunk for the whole walk */
	CHECK_EQ(get_buf(r, fd, 0, CHUNK, 8), CHUNK, "hold chunk 0 in slot 8");
	CHECK_EQ(get_buf(r, fd, (nchunks / 2) * CHUNK, CHUNK, 9), CHUNK,
		 "hold the middle chunk in slot 9");
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = ts.tv_sec + ts.tv_nsec / 1e9;
	for (i = 0; i < nchunks; i += 8) {
		inflight = 0;
		for (k = 0; k < 8 && i + k < nchunks; k++) {
			struct io_uring_sqe *sqe = ring_sqe(r);

			sqe_get_buf(sqe, fd, (i + k) * CHUNK, CHUNK, k);
			sqe->flags = IOSQE_IO_LINK;
			sqe_rw_fixed(ring_sqe(r), IORING_OP_WRITE_FIXED, nfd, 0, CHUNK, 0, k);
			inflight += 2;
		}
		ring_submit(r, 0);
		while (inflight--) {
			ring_cqe(r, &c);
			if (c.res != CHUNK && bad++ < 5)
				printf("chunk %ld: CQE res %d user_data %llu\n", i, c.res,
				       (unsigned long long)c.user_data);
		}
		for (k = 0; k < 8 && i + k < nchunks; k++) {
			if ((i + k) % 32)
				continue;
			fill_pattern(want, (i + k) * CHUNK, CHUNK, BIG_SEED);
			ret = slot_contents(r, k, got, CHUNK);
			checked++;
			if ((ret || memcmp(got, want, CHUNK)) && bad++ < 5)
				printf("chunk %ld: slot_contents %d, %s\n", i + k, ret,
				       ret ? "" : "bytes differ");
		}
		ret = empty_slots(r, 0, 8);
		if (ret != 8 && bad++ < 5)
			printf("chunk %ld: emptying 8 slots: %d\n", i, ret);
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t1 = ts.tv_sec + ts.tv_nsec / 1e9;
	CHECK(bad == 0, "big.dat: %ld chunks of 1 MiB streamed (GET_BUF -> WRITE_FIXED), %ld compared, %ld bad; %.0f MiB/s uncached",
	      nchunks, checked, bad, nchunks / (t1 - t0));
	fill_pattern(want, 0, CHUNK, BIG_SEED);
	ret = slot_contents(r, 8, got, CHUNK);
	CHECK(ret == 0 && !memcmp(got, want, CHUNK),
	      "chunk 0, held all along while the file went through the page cache, is intact");
	fill_pattern(want, (nchunks / 2) * CHUNK, CHUNK, BIG_SEED);
	ret = slot_contents(r, 9, got, CHUNK);
	CHECK(ret == 0 && !memcmp(got, want, CHUNK), "the held middle chunk is intact");
	empty_slots(r, 8, 2);
	c1 = counters(GB_FILEMAP_DBG);
	CHECK(c1.gets - c0.gets == nchunks + 2 && c1.releases - c0.releases == nchunks + 2 &&
	      c1.pages == c0.pages,
	      "big.dat: %ld buffers handed out, %ld released (want %ld), pages %ld -> %ld",
	      c1.gets - c0.gets, c1.releases - c0.releases, nchunks + 2, c0.pages, c1.pages);
	close(nfd);
	close(fd);
}

int main(void)
{
	const char *dir;
	char path[512];
	static long base[32], now[32], delta[32];
	struct gb_counters f0, f1;
	struct page_view v;
	struct ring r;
	int fd, res, i, n, n_read, snd, rcv, nres;
	off_t off;

	ring_init_or_die(&r, 32);
	require_getbuf(&r);
	dir = ext4_dir();
	snprintf(path, sizeof(path), "%s/getbuf-ext4-test", dir);
	CHECK_EQ(reg_sparse_bufs(&r, 10), 0, "sparse table of 10 slots");
	fd = make_file(path, FSIZE, 13);
	if (fsync(fd))
		DIE("fsync");
	close(fd);
	fd = open(path, O_RDONLY);
	f0 = counters(GB_FILEMAP_DBG);

	/* 1. uncached; first what read(2) on a fresh descriptor reads ahead */
	drop_caches();
	n_read = open(path, O_RDONLY);
	if (n_read < 0 || pread(n_read, want, GB_PAGE, 0) != GB_PAGE)
		DIE("pread");
	close(n_read);
	n_read = resident(fd, 0, 64 * GB_PAGE);
	drop_caches();
	CHECK_EQ(resident(fd, 0, 64 * GB_PAGE), 0, "nothing cached after drop_caches");
	CHECK_EQ(nr_threads(), 1, "no io-wq worker yet");
	check(&r, fd, 0, GB_PAGE, GB_PAGE, "uncached first page");
	CHECK_EQ(nr_threads(), 1,
		 "ext4 (FOP_BUFFER_RASYNC): the read was waited for without an io-wq worker");
	n = resident(fd, 0, 64 * GB_PAGE);
	CHECK(n > 1 && n >= n_read,
	      "it read ahead as read(2) does: %d of the first 64 pages cached (read(2) of a page: %d)",
	      n, n_read);
	for (off = GB_PAGE, i = 0; off < FSIZE; off += 65536, i++)
		if (check(&r, fd, off, 65536, off + 65536 <= FSIZE ? 65536 : FSIZE - off,
			  "sequential 64 KiB") <= 0)
			break;
	drop_caches();
	check(&r, fd, (1 << 20) + 777, 100000, 100000, "uncached, unaligned 100000 bytes");
	drop_caches();
	check(&r, fd, FSIZE - 1234 - 100, 8192, 1334, "uncached partial last page");

	/* 2. cached, all inline */
	{
		unsigned char *all = malloc(FSIZE);

		if (pread(fd, all, FSIZE, 0) != FSIZE)	/* cache everything */
			DIE("pread");
		free(all);
	}
	n = nr_threads();
	check(&r, fd, 0, GB_PAGE, GB_PAGE, "cached full page");
	check(&r, fd, 12345, 7000, 7000, "cached unaligned");
	check(&r, fd, 3 * GB_PAGE - 1, 2, 2, "2 bytes across a page boundary");
	check(&r, fd, 54321, 1 << 20, 1 << 20, "1 MiB unaligned");
	check(&r, fd, FSIZE - 100, GB_PAGE, 100, "short at end of file");
	check(&r, fd, FSIZE, GB_PAGE, 0, "at end of file");
	check(&r, fd, FSIZE + GB_PAGE, GB_PAGE, 0, "past end of file");
	CHECK_EQ(nr_threads(), n, "cached GET_BUFs started no io-wq worker");

	/* 3. page references: slot, WRITE_FIXED, TCP */
	view_map(&v, fd, 0, 32);
	view_refs(&v, base);
	res = get_buf(&r, fd, 2 * GB_PAGE + 100, 4 * GB_PAGE, 1);
	CHECK_EQ(res, 4 * GB_PAGE, "GET_BUF 4 pages' worth at 2 pages + 100 (5 pages)");
	for (i = 0; i < 32; i++)
		delta[i] = i >= 2 && i <= 6;
	CHECK(view_wait_refs(&v, base, delta, now), "while lent: +1 on pages 2-6 only (%s)",
	      refs_str(now, base, 32));
	res = write_fixed(&r, open("/dev/null", O_WRONLY), 0, 4 * GB_PAGE, 0, 1);
	CHECK_EQ(res, 4 * GB_PAGE, "WRITE_FIXED of it to /dev/null");
	CHECK(view_wait_refs(&v, base, delta, now), "after the write: still +1 (%s)",
	      refs_str(now, base, 32));
	CHECK_EQ(buf_empty(&r, 1), 1, "empty the slot");
	CHECK(view_wait_refs(&v, base, NULL, now), "after release: back (%s)",
	      refs_str(now, base, 32));
	tcp_pair_sized(&snd, &rcv, 4 << 20, 4 << 20);
	{
		struct io_uring_sqe *sqe = ring_sqe(&r);

		sqe_get_buf(sqe, fd, 0, 32 * GB_PAGE, 1);
		sqe->flags = IOSQE_IO_LINK;
		sqe = ring_sqe(&r);
		sqe_send_zc_fixed(sqe, snd, 0, 32 * GB_PAGE, 1, 0);
		sqe->msg_flags = MSG_WAITALL;
		ring_submit(&r, 0);
		ring_cqe(&r, &(struct io_uring_cqe){ 0 });	/* the GET_BUF */
		reap_send_zc(&r, &res, &nres);
	}
	CHECK_EQ(res, 32 * GB_PAGE, "GET_BUF linked to SEND_ZC, 128 KiB from ext4");
	CHECK_EQ(buf_empty(&r, 1), 1, "empty the slot after the send");
	if (read_full(rcv, got, 32 * GB_PAGE) || pread(fd, want, 32 * GB_PAGE, 0) != 32 * GB_PAGE)
		DIE("recv/pread");
	CHECK(!memcmp(got, want, 32 * GB_PAGE), "receiver got the file's bytes");
	CHECK(view_wait_refs(&v, base, NULL, now), "after send and receive: back (%s)",
	      refs_str(now, base, 32));
	close(snd);
	close(rcv);
	view_unmap(&v);

	f1 = counters(GB_FILEMAP_DBG);
	CHECK(f1.gets == f1.releases - f0.releases + f0.gets && f1.pages == f0.pages,
	      "all %ld buffers released, pages %ld -> %ld", f1.gets - f0.gets, f0.pages, f1.pages);
	close(fd);
	unlink(path);

	/* 4. a file larger than memory */
	big_file(&r, dir);
	return gb_done();
}
