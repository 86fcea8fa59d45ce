// SPDX-License-Identifier: Apache-2.0
/*
 * GET_BUF filling the page cache while ext4 punches a hole in the same range
 * (fsx-style, known patterns). ext4 takes the mapping's invalidate_lock
 * exclusively around "drop the cached pages, then free the blocks"; every
 * path that adds pages to a regular file's cache holds it shared, so that no
 * page can be read in from blocks that are being freed. A GET_BUF that reads
 * pages in without it can put the old blocks' bytes back into the cache
 * after the punch dropped them: the file then reads back its old bytes where
 * it has a hole, and once the blocks are reused, another file's bytes.
 *
 * Each round: 64 KiB of pattern i written and written back, dropped from the
 * cache, then a GET_BUF of it (IOSQE_ASYNC: read from an io-wq worker, the
 * blocking path) racing a hole punched over it, and a second file written
 * right after the punch (it gets the freed blocks). Afterwards:
 *  - the range reads as zeroes with pread(2) (the cache holds no stale page);
 *  - every page the buffer lent is pattern i or zeroes, never the other
 *    file's bytes;
 * for up to ROUNDS rounds or 45 s (it caught the missing invalidate_lock in
 * its first round; the bound keeps CI under its budget). Needs no debugfs.
 */
#include "gb.h"
#include <pthread.h>
#include <time.h>
#include <sys/wait.h>

#define LEN	(64 * 1024)
#define ROUNDS	1500

static int fd_a, fd_b;
static volatile int round_no;
static unsigned char buf[LEN], got[LEN], pat[LEN], other[LEN];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void spin_us(unsigned int us)
{
	double end = now() + us / 1e6;

	while (now() < end)
		;
}

static pthread_barrier_t start_b, end_b;
static volatile int stop;

/* The punching side: per round, punch the hole, then write file B. */
static void *puncher(void *arg)
{
	for (;;) {
		pthread_barrier_wait(&start_b);
		if (stop)
			return NULL;
		/* vary where in the GET_BUF's read the punch lands */
		spin_us((unsigned int)(round_no * 37) % 2500);
		if (fallocate(fd_a, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, LEN))
			DIE("punch hole");
		fill_pattern(other, 0, LEN, 200 + round_no % 50);
		if (pwrite(fd_b, other, LEN, 0) != LEN || fdatasync(fd_b))
			DIE("write B");
		pthread_barrier_wait(&end_b);
	}
}

static int is_pattern(const unsigned char *p, size_t off, size_t len,
		      unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != file_pattern(off + i, seed))
			return 0;
	return 1;
}

int main(void)
{
	char a_path[256], b_path[256];
	int stale = 0, foreign = 0, fails = 0, gb_ok = 0, gb_short = 0, i, p;
	double t0 = now();
	pthread_t th;
	struct ring r;

	ring_init_or_die(&r, 8);
	require_getbuf_op(&r);
	snprintf(a_path, sizeof(a_path), "%s/getbuf-invalidate-a", ext4_dir());
	snprintf(b_path, sizeof(b_path), "%s/getbuf-invalidate-b", ext4_dir());
	fd_a = make_file(a_path, 4 * LEN, 1);
	fd_b = make_file(b_path, 0, 0);
	CHECK_EQ(reg_sparse_bufs(&r, 1), 0, "sparse table of 1 slot");
	pthread_barrier_init(&start_b, NULL, 2);
	pthread_barrier_init(&end_b, NULL, 2);
	if (pthread_create(&th, NULL, puncher, NULL))
		DIE("pthread_create");

	for (i = 0; i < ROUNDS && now() - t0 < 45; i++) {
		struct io_uring_sqe *sqe;
		struct io_uring_cqe cqe;
		unsigned int seed = 1 + i % 100;
		int res;

		round_no = i;
		fill_pattern(pat, 0, LEN, seed);
		if (pwrite(fd_a, pat, LEN, 0) != LEN || fdatasync(fd_a) ||
		    posix_fadvise(fd_a, 0, LEN, POSIX_FADV_DONTNEED))
			DIE("rewrite A");
		if (ftruncate(fd_b, 0) || fdatasync(fd_b))
			DIE("truncate B");

		sqe = ring_sqe(&r);
		sqe_get_buf(sqe, fd_a, 0, LEN, 0);
		sqe->flags |= IOSQE_ASYNC;
		if (ring_submit(&r, 0) < 0)
			DIE("submit");
		pthread_barrier_wait(&start_b);
		ring_cqe(&r, &cqe);
		res = cqe.res;
		pthread_barrier_wait(&end_b);

		/* after the punch the range is a hole: the cache must say so */
		if (pread(fd_a, got, LEN, 0) != LEN)
			DIE("pread A");
		if (!all_zero(got, LEN)) {
			size_t off = 0;

			while (off < LEN && !got[off])
				off++;
			if (stale++ < 3)
				printf("round %d: pread after the punch: byte %zu is 0x%02x, "
				       "pattern %u there is 0x%02x, file B's 0x%02x: %s\n",
				       i, off, got[off], seed, file_pattern(off, seed),
				       other[off],
				       got[off] == other[off] ? "ANOTHER FILE'S BYTES" :
				       "the punched blocks' old bytes");
			/* get a clean cache for the next round */
			posix_fadvise(fd_a, 0, LEN, POSIX_FADV_DONTNEED);
		}

		if (res == LEN) {
			gb_ok++;
			if (slot_contents(&r, 0, buf, LEN))
				DIE("slot contents");
			for (p = 0; p < LEN; p += GB_PAGE) {
				if (is_pattern(buf + p, p, GB_PAGE, seed) ||
				    all_zero(buf + p, GB_PAGE))
					continue;
				if (foreign++ < 3)
					printf("round %d: lent page at %d is neither pattern %u nor zeroes "
					       "(byte 0: 0x%02x, B's 0x%02x)\n", i, p, seed,
					       buf[p], other[p]);
			}
			buf_empty(&r, 0);
		} else if (res >= 0) {
			gb_short++;
			buf_empty(&r, 0);
		} else {
			fails++;
			if (fails < 3)
				printf("round %d: GET_BUF failed: %d\n", i, res);
		}
	}
	stop = 1;
	pthread_barrier_wait(&start_b);
	pthread_join(th, NULL);

	printf("%d rounds in %.1f s: %d GET_BUFs of 64 KiB, %d short, %d failed\n",
	       i, now() - t0, gb_ok, gb_short, fails);
	CHECK(i >= 100, "at least 100 rounds ran (%d)", i);
	CHECK_EQ(fails, 0, "GET_BUFs that failed");
	CHECK(stale == 0,
	      "the punched range reads as zeroes after every round (stale cache in %d of %d rounds)",
	      stale, i);
	CHECK(foreign == 0,
	      "every lent page held the file's bytes or zeroes (%d pages held something else)",
	      foreign);
	close(fd_a);
	close(fd_b);
	unlink(a_path);
	unlink(b_path);
	return gb_done();
}
