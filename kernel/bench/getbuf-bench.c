// SPDX-License-Identifier: Apache-2.0
/*
 * getbuf-bench: IORING_OP_GET_BUF against the ways Linux moves file data
 * without a copy through user memory: splice(2), sendfile(2), OP_SPLICE as
 * stock 6.12 runs it (always on an io-wq worker) and OP_SPLICE tried inline
 * first (the comparator the 2023 RFC used; needs the benchmark kernel's
 * kernel/bench/patches), plus READ_FIXED followed by a write or send (a copy
 * through user memory, inline). Raw syscalls, no liburing. Run inside the VM
 * by kernel/vm/bench.
 *
 * A request moves one block (-s, default 4 KiB) from the source to the
 * destination and is done when all its bytes are delivered: every column
 * counts the bytes each operation returned and continues a short one (a send,
 * a splice, a sendfile, a read) until the block is through, and a cell fails
 * ("short") if a request cannot be completed. To a TCP socket a block counts
 * as delivered when the receiver has read it: each slice ends by waiting for
 * the receiver to have every byte sent. Cells print requests/s and MiB/s.
 *
 * The columns of a row run interleaved, a slice each in turn, so that they
 * share the moments of a noisy host; a cell is its column's best slice, a
 * ratio the median of the per-round ratios of two columns' slices.
 *
 * io_uring cells run in rounds: QD requests submitted together (each one
 * operation fetching the block linked to one delivering it), all completions
 * reaped, continuations submitted if any. Ring flags as in the RFC:
 * COOP_TASKRUN | SINGLE_ISSUER | DEFER_TASKRUN, fixed files, a sparse buffer
 * table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "getbuf_io_uring.h"

#define MAX_QD		32
#define GB_POOL		64			/* slots [0, 64) lend GET_BUF buffers */
#define USER_SLOT(i)	(GB_POOL + (i))		/* READ_FIXED's user buffers */
#define NR_SLOTS	(GB_POOL + MAX_QD)
#define RING_ENTRIES	256

/* fixed files */
#define F_SRC		0
#define F_DST		1
#define F_PIPE_R(i)	(2 + 2 * (i))
#define F_PIPE_W(i)	(3 + 2 * (i))
#define NR_FILES	(2 + 2 * MAX_QD)

/*
 * kernel/bench/patches (benchmark kernel only): splice flag making OP_SPLICE
 * try inline with non-blocking pipes before falling back to io-wq.
 */
#define BENCH_SPLICE_F_TRY_INLINE	(1U << 30)

static size_t bsize = 4096;
static double cell_secs = 1.0;
static int nslices = 5;
static const char *tmpfs_dir = "/dev/shm";
static const char *ext4_dir;
static size_t file_size = 64 << 20;
static size_t cold_size = 256 << 20;
static const char *only_cols;	/* -k: column keys to run */
static const char col_key[] = "sSpdioGgr";	/* by enum col */

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "getbuf-bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- a minimal io_uring ---- */

struct ring {
	int fd;
	unsigned *sq_tail, *sq_mask;
	unsigned *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	unsigned sq_local_tail;	/* SQEs filled but not yet published */
	unsigned to_submit;
};

static int sys_register(int fd, unsigned op, void *arg, unsigned nr)
{
	int ret = syscall(__NR_io_uring_register, fd, op, arg, nr);

	return ret < 0 ? -errno : ret;
}

static void ring_init(struct ring *r)
{
	unsigned flags[] = {
		IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER |
			IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_COOP_TASKRUN, 0,
	};
	struct io_uring_params p;
	size_t sq_sz, cq_sz;
	unsigned *array;
	void *sq, *cq;
	int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < 3; i++) {
		memset(&p, 0, sizeof(p));
		p.flags = flags[i] | IORING_SETUP_CQSIZE;
		p.cq_entries = 4 * RING_ENTRIES;
		r->fd = syscall(__NR_io_uring_setup, RING_ENTRIES, &p);
		if (r->fd >= 0)
			break;
	}
	if (r->fd < 0)
		die("io_uring_setup: %s", strerror(errno));
	sq_sz = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	cq_sz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (cq_sz > sq_sz)
			sq_sz = cq_sz;
		cq_sz = sq_sz;
	}
	sq = mmap(NULL, sq_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  r->fd, IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		die("mmap sq: %s", strerror(errno));
	cq = sq;
	if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
		cq = mmap(NULL, cq_sz, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
		if (cq == MAP_FAILED)
			die("mmap cq: %s", strerror(errno));
	}
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		       IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED)
		die("mmap sqes: %s", strerror(errno));
	r->sq_tail = (unsigned *)((char *)sq + p.sq_off.tail);
	r->sq_mask = (unsigned *)((char *)sq + p.sq_off.ring_mask);
	array = (unsigned *)((char *)sq + p.sq_off.array);
	r->cq_head = (unsigned *)((char *)cq + p.cq_off.head);
	r->cq_tail = (unsigned *)((char *)cq + p.cq_off.tail);
	r->cq_mask = (unsigned *)((char *)cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)((char *)cq + p.cq_off.cqes);
	for (i = 0; i < (int)p.sq_entries; i++)
		array[i] = i;
	r->sq_local_tail = *r->sq_tail;
}

static struct io_uring_sqe *get_sqe(struct ring *r)
{
	struct io_uring_sqe *sqe = &r->sqes[r->sq_local_tail & *r->sq_mask];

	r->sq_local_tail++;
	r->to_submit++;
	memset(sqe, 0, sizeof(*sqe));
	return sqe;
}

/* Submit what is queued and wait for at least @wait completions. */
static void ring_enter(struct ring *r, unsigned wait)
{
	int ret;

	__atomic_store_n(r->sq_tail, r->sq_local_tail, __ATOMIC_RELEASE);
	do {
		ret = syscall(__NR_io_uring_enter, r->fd, r->to_submit, wait,
			      wait ? IORING_ENTER_GETEVENTS : 0, NULL, 0);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		die("io_uring_enter: %s", strerror(errno));
	r->to_submit -= ret;
	if (r->to_submit)
		die("io_uring_enter submitted %d, %u left", ret, r->to_submit);
}

static int probe_get_buf(int ring_fd, int *last_op)
{
	size_t sz = sizeof(struct io_uring_probe) + 256 * sizeof(struct io_uring_probe_op);
	struct io_uring_probe *probe = calloc(1, sz);
	int ok;

	if (sys_register(ring_fd, IORING_REGISTER_PROBE, probe, 256) < 0)
		die("IORING_REGISTER_PROBE: %s", strerror(errno));
	*last_op = probe->last_op;
	ok = probe->ops_len > IORING_OP_GET_BUF &&
	     (probe->ops[IORING_OP_GET_BUF].flags & IO_URING_OP_SUPPORTED);
	free(probe);
	return ok;
}

/* Empty @nr slots from @first: their buffers go back to the file. */
static int release_slots(struct ring *r, unsigned first, unsigned nr)
{
	static struct iovec empty[NR_SLOTS];
	struct io_uring_rsrc_update2 up = {
		.offset = first, .data = (uintptr_t)empty, .nr = nr,
	};
	int ret = sys_register(r->fd, IORING_REGISTER_BUFFERS_UPDATE, &up, sizeof(up));

	return ret < 0 ? ret : 0;
}

/* ---- the columns ---- */

enum col {
	C_SPLICE,	/* splice(2) src -> pipe -> dst */
	C_SENDFILE,	/* sendfile(2) */
	C_PREAD,	/* pread(2) into user memory (uncached case) */
	C_ODIRECT,	/* pread(2) of an O_DIRECT descriptor: the device's pace */
	C_OPS_INLINE,	/* OP_SPLICE src->pipe, link, OP_SPLICE pipe->dst, tried inline */
	C_OPS_STOCK,	/* the same, stock: always io-wq */
	C_GB,		/* GET_BUF, link X; a pool of 64 slots emptied in one call */
	C_GB_REL,	/* GET_BUF, link X; each slot emptied by its own call */
	C_RF,		/* READ_FIXED, link Y (Y copies from user memory) */
	C_NR,
};

enum dst_kind { DST_NULL, DST_TCP };

static const char *col_name(enum col c, enum dst_kind dst)
{
	switch (c) {
	case C_SPLICE: return "splice(2)";
	case C_SENDFILE: return "sendfile(2)";
	case C_PREAD: return "pread(2)";
	case C_ODIRECT: return "O_DIRECT pread(2)";
	case C_OPS_INLINE: return "OP_SPLICE inline";
	case C_OPS_STOCK: return "OP_SPLICE stock";
	case C_GB: return dst == DST_TCP ? "GET_BUF, link SEND_ZC" : "GET_BUF, link WRITE_FIXED";
	case C_GB_REL: return dst == DST_TCP ? "GET_BUF, link SEND_ZC, release each" :
					       "GET_BUF, link WRITE_FIXED, release each";
	case C_RF: return dst == DST_TCP ? "READ_FIXED, link SEND" : "READ_FIXED, link WRITE_FIXED";
	default: return "?";
	}
}

static int is_get_buf(enum col c)
{
	return c == C_GB || c == C_GB_REL;
}

static int is_ring(enum col c)
{
	return c == C_OPS_INLINE || c == C_OPS_STOCK || is_get_buf(c) || c == C_RF;
}

struct bench {
	struct ring ring;
	enum dst_kind dst;
	int src_fd, dst_fd, direct_fd;
	size_t src_size;
	int src_seekable;	/* /dev/null is not */
	int evict;		/* drop the file's page cache at every pass */
	int pipes[MAX_QD][2];
	char *ubuf[MAX_QD];
	uint64_t off;
	unsigned slot_next;	/* next free slot of the GET_BUF pool */
	/* TCP: bytes sent, and read by the receiver thread */
	uint64_t tx;
	uint64_t rx;		/* atomic */
	int rx_fd;
	pthread_t rx_thread;
	uint64_t continuations;	/* short operations continued in this cell */
};

static int get_buf_ok, inline_splice_ok;

static uint64_t next_off(struct bench *b)
{
	uint64_t off = b->off;

	if (!b->src_seekable)
		return 0;
	if (off + bsize > b->src_size) {
		off = 0;
		if (b->evict && posix_fadvise(b->src_fd, 0, 0, POSIX_FADV_DONTNEED))
			die("fadvise: %s", strerror(errno));
	}
	b->off = off + bsize;
	return off;
}

/* ---- one request, synchronously ---- */

static int sync_request(struct bench *b, enum col c)
{
	uint64_t off0 = next_off(b);
	loff_t off = off0;
	size_t in = 0, out = 0;
	ssize_t n;

	switch (c) {
	case C_SENDFILE:
		while (out < bsize) {
			n = sendfile(b->dst_fd, b->src_fd, &off, bsize - out);
			if (n <= 0)
				return n < 0 ? -errno : -EIO;
			out += n;
		}
		break;
	case C_PREAD:
	case C_ODIRECT:
		while (out < bsize) {
			n = pread(c == C_ODIRECT ? b->direct_fd : b->src_fd,
				  b->ubuf[0] + out, bsize - out, off0 + out);
			if (n <= 0)
				return n < 0 ? -errno : -EIO;
			out += n;
		}
		break;
	case C_SPLICE:
		while (out < bsize) {
			if (in == out) {
				n = splice(b->src_fd, b->src_seekable ? &off : NULL,
					   b->pipes[0][1], NULL, bsize - in, 0);
				if (n <= 0)
					return n < 0 ? -errno : -EIO;
				in += n;
			}
			n = splice(b->pipes[0][0], NULL, b->dst_fd, NULL, in - out, 0);
			if (n <= 0)
				return n < 0 ? -errno : -EIO;
			out += n;
		}
		break;
	default:
		return -EINVAL;
	}
	if (b->dst == DST_TCP)
		b->tx += bsize;
	return 0;
}

/* ---- a round of QD requests on the ring ---- */

struct rq {
	uint64_t off;
	uint32_t in, out;	/* bytes fetched (pipe, slot, user buffer), delivered */
	unsigned slot;
	int err;
};

#define UD(i, op)	(((uint64_t)(i) << 8) | (op))
#define OP_FETCH	1
#define OP_DELIVER	2

/* The operation bringing request @i's block (from byte rq->in) in. */
static void queue_fetch(struct bench *b, enum col c, unsigned i, struct rq *rq, int link)
{
	struct io_uring_sqe *sqe = get_sqe(&b->ring);

	sqe->user_data = UD(i, OP_FETCH);
	sqe->flags = IOSQE_FIXED_FILE | (link ? IOSQE_IO_LINK : 0);
	switch (c) {
	case C_OPS_INLINE:
	case C_OPS_STOCK:
		sqe->opcode = IORING_OP_SPLICE;
		sqe->splice_fd_in = F_SRC;
		sqe->splice_off_in = b->src_seekable ? rq->off + rq->in : (uint64_t)-1;
		sqe->fd = F_PIPE_W(i);
		sqe->off = (uint64_t)-1;
		sqe->len = bsize - rq->in;
		sqe->splice_flags = SPLICE_F_FD_IN_FIXED |
				    (c == C_OPS_INLINE ? BENCH_SPLICE_F_TRY_INLINE : 0);
		break;
	case C_RF:
		sqe->opcode = IORING_OP_READ_FIXED;
		sqe->fd = F_SRC;
		sqe->off = rq->off + rq->in;
		sqe->addr = (uintptr_t)b->ubuf[i] + rq->in;
		sqe->len = bsize - rq->in;
		sqe->buf_index = USER_SLOT(i);
		break;
	default:	/* GET_BUF: the whole block, into an empty slot */
		sqe->opcode = IORING_OP_GET_BUF;
		sqe->fd = F_SRC;
		sqe->off = rq->off;
		sqe->len = bsize;
		sqe->buf_index = rq->slot;
		break;
	}
}

/* The operation delivering request @i's fetched, undelivered bytes. */
static void queue_deliver(struct bench *b, enum col c, unsigned i, struct rq *rq,
			  uint32_t len)
{
	struct io_uring_sqe *sqe = get_sqe(&b->ring);

	sqe->user_data = UD(i, OP_DELIVER);
	sqe->flags = IOSQE_FIXED_FILE;
	sqe->fd = F_DST;
	sqe->len = len;
	switch (c) {
	case C_OPS_INLINE:
	case C_OPS_STOCK:
		sqe->opcode = IORING_OP_SPLICE;
		sqe->splice_fd_in = F_PIPE_R(i);
		sqe->splice_off_in = (uint64_t)-1;
		sqe->off = (uint64_t)-1;
		sqe->splice_flags = SPLICE_F_FD_IN_FIXED |
				    (c == C_OPS_INLINE ? BENCH_SPLICE_F_TRY_INLINE : 0);
		break;
	case C_RF:
		sqe->addr = (uintptr_t)b->ubuf[i] + rq->out;
		if (b->dst == DST_TCP) {
			sqe->opcode = IORING_OP_SEND;
			sqe->msg_flags = MSG_WAITALL;
		} else {
			sqe->opcode = IORING_OP_WRITE_FIXED;
			sqe->buf_index = USER_SLOT(i);
		}
		break;
	default:	/* from the GET_BUF slot, addressed from 0 */
		sqe->addr = rq->out;
		sqe->buf_index = rq->slot;
		if (b->dst == DST_TCP) {
			sqe->opcode = IORING_OP_SEND_ZC;
			sqe->ioprio = IORING_RECVSEND_FIXED_BUF;
			sqe->msg_flags = MSG_WAITALL;
		} else {
			sqe->opcode = IORING_OP_WRITE_FIXED;
		}
		break;
	}
}

/* Submit, then reap @expected CQEs (plus the notifications announced). */
static void reap(struct bench *b, unsigned expected, struct rq *rq)
{
	struct ring *r = &b->ring;
	unsigned seen = 0;

	ring_enter(r, expected);
	for (;;) {
		unsigned head = *r->cq_head;
		unsigned tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);

		for (; head != tail; head++) {
			struct io_uring_cqe *cqe = &r->cqes[head & *r->cq_mask];
			struct rq *q = &rq[cqe->user_data >> 8];

			seen++;
			if (cqe->flags & IORING_CQE_F_MORE)
				expected++;
			if (cqe->flags & IORING_CQE_F_NOTIF)
				continue;
			if (cqe->res < 0) {
				if (cqe->res != -ECANCELED && !q->err)
					q->err = cqe->res;
			} else if ((cqe->user_data & 0xff) == OP_FETCH) {
				q->in += cqe->res;
			} else {
				q->out += cqe->res;
			}
		}
		__atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
		if (seen >= expected)
			return;
		ring_enter(r, expected - seen);
	}
}

static int ring_round(struct bench *b, enum col c, unsigned qd)
{
	struct rq rq[MAX_QD];
	unsigned i, n, pass;
	int ret;

	if (is_get_buf(c) && b->slot_next + qd > GB_POOL) {
		/* the pool is used up: one call empties it (batched release) */
		ret = release_slots(&b->ring, 0, b->slot_next);
		if (ret)
			return ret;
		b->slot_next = 0;
	}
	for (i = 0; i < qd; i++) {
		memset(&rq[i], 0, sizeof(rq[i]));
		rq[i].off = next_off(b);
		rq[i].slot = b->slot_next + i;
		queue_fetch(b, c, i, &rq[i], 1);
		queue_deliver(b, c, i, &rq[i], bsize);
	}
	reap(b, 2 * qd, rq);
	/* continue whatever came short, until every block is delivered */
	for (pass = 0;; pass++) {
		for (i = 0, n = 0; i < qd; i++) {
			if (rq[i].err)
				return rq[i].err;
			if (rq[i].out >= bsize)
				continue;
			if (pass > 64)
				return -EIO;	/* no progress: the cell fails */
			if (rq[i].in < bsize) {
				if (is_get_buf(c))
					return -ENODATA;	/* a short GET_BUF */
				queue_fetch(b, c, i, &rq[i], 0);
			} else {
				queue_deliver(b, c, i, &rq[i], bsize - rq[i].out);
			}
			n++;
		}
		if (!n)
			break;
		b->continuations += n;
		reap(b, n, rq);
	}
	if (b->dst == DST_TCP)
		b->tx += (uint64_t)qd * bsize;
	if (!is_get_buf(c))
		return 0;
	if (c == C_GB_REL) {
		for (i = 0; i < qd; i++) {
			ret = release_slots(&b->ring, rq[i].slot, 1);
			if (ret)
				return ret;
		}
		return 0;
	}
	b->slot_next += qd;
	return 0;
}

/* TCP: wait until the receiver has read every byte sent. */
static void wait_delivered(struct bench *b)
{
	while (b->dst == DST_TCP &&
	       __atomic_load_n(&b->rx, __ATOMIC_ACQUIRE) < b->tx)
		sched_yield();
}

#define MAX_SLICES	64

struct cell {
	double rps;		/* best slice's requests/s; < 0: -errno */
	double slice_rps[MAX_SLICES];
	uint64_t continuations;
	double iowq_cpu, wall;	/* io-wq workers' CPU time, wall time (s) */
};

/*
 * CPU time (s) of this process's threads other than the benchmark's own
 * (the main thread and the TCP receiver): its io-wq workers. RUSAGE_SELF
 * keeps the time of workers that have exited.
 */
static pid_t rx_tid;

static double thread_cpu(pid_t tid)
{
	char path[64], buf[512], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "r");
	if (f && fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		       &ut, &st);
	if (f)
		fclose(f);
	return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

static double iowq_cpu(void)
{
	struct rusage ru;
	double all;

	getrusage(RUSAGE_SELF, &ru);
	all = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	      ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	return all - thread_cpu(getpid()) - (rx_tid ? thread_cpu(rx_tid) : 0);
}

/*
 * One slice of column @c: requests for @secs seconds (to TCP: until the
 * receiver has every byte); requests/s, or -errno.
 */
static double run_slice(struct bench *b, enum col c, unsigned qd, double secs,
			struct cell *cl)
{
	double t0, t, cpu0 = iowq_cpu();
	uint64_t reqs = 0;
	int ret = 0;
	unsigned i;

	b->continuations = 0;
	if (b->evict) {		/* every slice starts uncached */
		b->off = 0;
		if (posix_fadvise(b->src_fd, 0, 0, POSIX_FADV_DONTNEED))
			die("fadvise: %s", strerror(errno));
	}
	t0 = now();
	do {
		if (is_ring(c)) {
			ret = ring_round(b, c, qd);
		} else {
			for (i = 0; i < qd && !ret; i++)
				ret = sync_request(b, c);
		}
		reqs += qd;
		t = now();
	} while (!ret && t - t0 < secs);
	wait_delivered(b);
	t = now();
	if (is_get_buf(c)) {	/* leave the pool empty for the next column */
		release_slots(&b->ring, 0, GB_POOL);
		b->slot_next = 0;
	}
	cl->continuations += b->continuations;
	/* clock-tick granularity: a worker's time may land in the neighbour slice */
	cl->iowq_cpu += iowq_cpu() - cpu0;
	if (cl->iowq_cpu < 0)
		cl->iowq_cpu = 0;
	cl->wall += t - t0;
	return ret ? ret : reqs / (t - t0);
}

/*
 * A row: the columns' slices interleaved, round after round (a warm-up
 * round first), so that every column sees the same moments of a shared,
 * noisy host; each cell is its column's best slice.
 */
static void run_row(struct bench *b, const enum col *cols, const int *on, int ncols,
		    unsigned qd, struct cell *res)
{
	double slice = cell_secs / nslices;
	int s, i;

	memset(res, 0, ncols * sizeof(*res));
	for (s = -1; s < nslices; s++)
		for (i = 0; i < ncols; i++) {
			double r;

			if (!on[i] || res[i].rps < 0)
				continue;
			r = run_slice(b, cols[i], qd, slice, &res[i]);
			if (r < 0)
				res[i].rps = r;
			else if (s >= 0)
				res[i].slice_rps[s] = r;
			if (s >= 0 && r > res[i].rps && res[i].rps >= 0)
				res[i].rps = r;
		}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median over the rounds of column a's slice over column b's. */
static double paired_ratio(const struct cell *a, const struct cell *b)
{
	double r[MAX_SLICES];
	int i;

	for (i = 0; i < nslices; i++)
		r[i] = a->slice_rps[i] / b->slice_rps[i];
	qsort(r, nslices, sizeof(r[0]), cmp_double);
	return nslices % 2 ? r[nslices / 2] : (r[nslices / 2 - 1] + r[nslices / 2]) / 2;
}

/* ---- setup ---- */

static void *rx_main(void *arg)
{
	struct bench *b = arg;
	static char buf[1 << 20];
	ssize_t n;

	rx_tid = gettid();
	/* MSG_TRUNC: TCP drops the data without copying, the receiver stays cheap */
	while ((n = recv(b->rx_fd, buf, sizeof(buf), MSG_TRUNC)) > 0)
		__atomic_add_fetch(&b->rx, n, __ATOMIC_RELEASE);
	return NULL;
}

static void tcp_pair(int *tx, int *rx)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int ls, one = 1, rcvbuf = 16 << 20, clamp = 1 << 20;

	/*
	 * Under emulation the receiver falls behind in bursts; with default buffers
	 * its queue overruns its budget, gets pruned and collapsed (drops, 200 ms
	 * retransmission timeouts). A big receive buffer (SO_RCVBUFFORCE, root in
	 * the VM) with the window clamped well below it keeps segments in budget.
	 */
	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls >= 0 && setsockopt(ls, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(ls, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (ls >= 0)
		setsockopt(ls, IPPROTO_TCP, TCP_WINDOW_CLAMP, &clamp, sizeof(clamp));
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 1) ||
	    getsockname(ls, (struct sockaddr *)&a, &alen))
		die("listen on 127.0.0.1: %s", strerror(errno));
	*tx = socket(AF_INET, SOCK_STREAM, 0);
	if (*tx < 0 || connect(*tx, (struct sockaddr *)&a, sizeof(a)))
		die("connect: %s", strerror(errno));
	*rx = accept(ls, NULL, NULL);
	if (*rx < 0)
		die("accept: %s", strerror(errno));
	setsockopt(*tx, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	close(ls);
}

/* A file of @size bytes of letters at @path, written back and cached. */
static void make_file(const char *path, size_t size)
{
	char *buf = malloc(1 << 20);
	size_t done = 0;
	int fd, i;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("create %s: %s", path, strerror(errno));
	for (i = 0; i < (1 << 20); i++)
		buf[i] = 'a' + i % 26;
	while (done < size) {
		ssize_t n = write(fd, buf, 1 << 20);

		if (n <= 0)
			die("write %s: %s", path, strerror(errno));
		done += n;
	}
	if (fsync(fd))
		die("fsync %s: %s", path, strerror(errno));
	free(buf);
	close(fd);
}

static void bench_open(struct bench *b, const char *src, enum dst_kind dst, int evict)
{
	struct io_uring_rsrc_register reg = { .nr = NR_SLOTS, .flags = IORING_RSRC_REGISTER_SPARSE };
	struct io_uring_rsrc_update2 up;
	struct iovec iov[MAX_QD];
	int files[NR_FILES], i;
	struct stat st;

	memset(b, 0, sizeof(*b));
	ring_init(&b->ring);
	b->src_fd = open(src, O_RDONLY);
	if (b->src_fd < 0 || fstat(b->src_fd, &st))
		die("open %s: %s", src, strerror(errno));
	b->src_seekable = S_ISREG(st.st_mode);
	b->src_size = st.st_size;
	b->evict = evict;	/* every slice starts with the file uncached */
	b->direct_fd = evict ? open(src, O_RDONLY | O_DIRECT) : -1;
	b->dst = dst;
	b->rx_fd = -1;
	if (dst == DST_TCP) {
		tcp_pair(&b->dst_fd, &b->rx_fd);
		pthread_create(&b->rx_thread, NULL, rx_main, b);
	} else {
		b->dst_fd = open("/dev/null", O_WRONLY);
	}
	files[F_SRC] = b->src_fd;
	files[F_DST] = b->dst_fd;
	for (i = 0; i < MAX_QD; i++) {
		if (pipe(b->pipes[i]))
			die("pipe: %s", strerror(errno));
		if (bsize > 65536 && fcntl(b->pipes[i][1], F_SETPIPE_SZ, (int)bsize) < 0)
			die("F_SETPIPE_SZ %zu: %s", bsize, strerror(errno));
		files[F_PIPE_R(i)] = b->pipes[i][0];
		files[F_PIPE_W(i)] = b->pipes[i][1];
	}
	if (sys_register(b->ring.fd, IORING_REGISTER_FILES, files, NR_FILES) < 0)
		die("IORING_REGISTER_FILES: %s", strerror(errno));
	if (sys_register(b->ring.fd, IORING_REGISTER_BUFFERS2, &reg, sizeof(reg)) < 0)
		die("IORING_REGISTER_BUFFERS2 (sparse): %s", strerror(errno));
	for (i = 0; i < MAX_QD; i++) {
		b->ubuf[i] = aligned_alloc(4096, bsize);
		memset(b->ubuf[i], 0, bsize);
		iov[i].iov_base = b->ubuf[i];
		iov[i].iov_len = bsize;
	}
	memset(&up, 0, sizeof(up));
	up.offset = USER_SLOT(0);
	up.data = (uintptr_t)iov;
	up.nr = MAX_QD;
	if (sys_register(b->ring.fd, IORING_REGISTER_BUFFERS_UPDATE, &up, sizeof(up)) < 0)
		die("IORING_REGISTER_BUFFERS_UPDATE: %s", strerror(errno));
}

static void bench_close(struct bench *b)
{
	int i;

	close(b->ring.fd);
	if (b->rx_fd >= 0) {
		shutdown(b->dst_fd, SHUT_WR);
		pthread_join(b->rx_thread, NULL);
		rx_tid = 0;
		close(b->rx_fd);
	}
	close(b->dst_fd);
	close(b->src_fd);
	if (b->direct_fd >= 0)
		close(b->direct_fd);
	for (i = 0; i < MAX_QD; i++) {
		close(b->pipes[i][0]);
		close(b->pipes[i][1]);
		free(b->ubuf[i]);
	}
}

/* ---- the cases and the tables ---- */

struct bcase {
	char key;
	const char *title;
	const char *src;	/* "null", "tmpfs", "ext4", "ext4-cold" */
	enum dst_kind dst;
	enum col cols[8];
	int ncols;
	const char *note;
};

static const struct bcase cases[] = {
	{ 'n', "/dev/null -> /dev/null", "null", DST_NULL, { C_GB, C_GB_REL }, 2,
	  "The RFC's case, GET_BUF only: the /dev/null test provider lends shared "
	  "prefilled pages, and no splice source does the same work (6.12's /dev/null "
	  "has no splice_read; /dev/zero allocates and zeroes a page per splice), so "
	  "there is no equal-work comparator here; the page-cache cases compare." },
	{ 'f', "tmpfs file -> /dev/null", "tmpfs", DST_NULL,
	  { C_SPLICE, C_OPS_INLINE, C_OPS_STOCK, C_GB, C_GB_REL, C_RF }, 6,
	  "READ_FIXED from tmpfs is punted to io-wq on 6.12 (no FMODE_NOWAIT)." },
	{ 'e', "ext4 file (cached) -> /dev/null", "ext4", DST_NULL,
	  { C_SPLICE, C_OPS_INLINE, C_OPS_STOCK, C_GB, C_GB_REL, C_RF }, 6, NULL },
	{ 't', "ext4 file (cached) -> TCP over 127.0.0.1", "ext4", DST_TCP,
	  { C_SPLICE, C_SENDFILE, C_OPS_INLINE, C_OPS_STOCK, C_GB, C_GB_REL, C_RF }, 7,
	  "Sender and receiver share one vCPU; the receiver reads with recv(MSG_TRUNC) "
	  "into a 16 MiB buffer, window clamped to 1 MiB; a block counts once the "
	  "receiver has read it. READ_FIXED, link SEND copies through user memory "
	  "(ext4 reads inline)." },
	{ 'T', "tmpfs file -> TCP over 127.0.0.1", "tmpfs", DST_TCP,
	  { C_SPLICE, C_SENDFILE, C_OPS_INLINE, C_OPS_STOCK, C_GB, C_GB_REL, C_RF }, 7,
	  "As case t with the file on tmpfs (-m), where kernel/vm/file-server-bench's "
	  "Java servers read theirs. READ_FIXED from tmpfs is punted to io-wq on 6.12 "
	  "(no FMODE_NOWAIT)." },
	{ 'u', "ext4 file, uncached (page cache dropped at every pass) -> /dev/null",
	  "ext4-cold", DST_NULL,
	  { C_ODIRECT, C_PREAD, C_SPLICE, C_RF, C_GB }, 5,
	  "Every slice and every pass over the 256 MiB file starts with "
	  "POSIX_FADV_DONTNEED on it; O_DIRECT pread(2) of the block size is what the "
	  "virtio disk delivers without readahead; the cached speeds are in the ext4 "
	  "(cached) table." },
};

/* ratio columns: GET_BUF, link X over these, where the case has them */
static const enum col ratio_cols[] = { C_OPS_INLINE, C_SPLICE, C_SENDFILE, C_OPS_STOCK, C_RF,
				       C_PREAD, C_ODIRECT };

static void fmt_rate(char *out, size_t len, struct cell cl)
{
	double mib = cl.rps * bsize / (1 << 20);

	if (cl.rps < 0)
		snprintf(out, len, "%s %d", cl.rps == -ENODATA ? "short" : "err",
			 (int)cl.rps);
	else if (cl.rps >= 1e6)
		snprintf(out, len, "%.2fM %.0f MiB/s", cl.rps / 1e6, mib);
	else
		snprintf(out, len, "%.1fK %.0f MiB/s", cl.rps / 1e3, mib);
}

static int col_available(enum col c)
{
	if (only_cols && !strchr(only_cols, col_key[c]))
		return 0;
	if (is_get_buf(c))
		return get_buf_ok;
	if (c == C_OPS_INLINE)
		return inline_splice_ok;
	return 1;
}

static void run_case(const struct bcase *k, const unsigned *qds, int nqd)
{
	static struct cell res[8][8];
	char path[512], cell[64];
	int on[8];
	cpu_set_t saved, one;
	struct bench b;
	int q, i, j, gb = -1;

	if (!strcmp(k->src, "null")) {
		snprintf(path, sizeof(path), "/dev/null");
	} else if (!strcmp(k->src, "tmpfs")) {
		snprintf(path, sizeof(path), "%s/getbuf-bench.dat", tmpfs_dir);
		make_file(path, file_size);
	} else {
		if (!ext4_dir)
			die("case %c needs an ext4 directory (-e DIR; kernel/vm/bench attaches a disk)",
			    k->key);
		snprintf(path, sizeof(path), "%s/getbuf-bench-%s.dat", ext4_dir, k->src);
		make_file(path, strcmp(k->src, "ext4") ? cold_size : file_size);
	}
	/* TCP: sender and receiver on one vCPU (cross-vCPU wake-ups wait for the host) */
	sched_getaffinity(0, sizeof(saved), &saved);
	if (k->dst == DST_TCP) {
		CPU_ZERO(&one);
		CPU_SET(sched_getcpu(), &one);
		sched_setaffinity(0, sizeof(one), &one);
	}
	bench_open(&b, path, k->dst, !strcmp(k->src, "ext4-cold"));

	printf("\n### %s, %zu-byte requests\n\n", k->title, bsize);
	if (k->note)
		printf("%s\n\n", k->note);
	printf("| QD |");
	for (i = 0; i < k->ncols; i++) {
		printf(" %s |", col_name(k->cols[i], k->dst));
		if (k->cols[i] == C_GB)
			gb = i;
	}
	for (j = 0; gb >= 0 && j < (int)(sizeof(ratio_cols) / sizeof(ratio_cols[0])); j++)
		for (i = 0; i < k->ncols; i++)
			if (k->cols[i] == ratio_cols[j])
				printf(" GET_BUF / %s |", col_name(ratio_cols[j], k->dst));
	printf("\n|---:|");
	for (i = 0; i < k->ncols; i++)
		printf("---:|");
	for (j = 0; gb >= 0 && j < (int)(sizeof(ratio_cols) / sizeof(ratio_cols[0])); j++)
		for (i = 0; i < k->ncols; i++)
			if (k->cols[i] == ratio_cols[j])
				printf("---:|");
	printf("\n");
	fflush(stdout);

	for (i = 0; i < k->ncols; i++)
		on[i] = col_available(k->cols[i]);
	for (q = 0; q < nqd; q++) {
		run_row(&b, k->cols, on, k->ncols, qds[q], res[q]);
		printf("| %u |", qds[q]);
		for (i = 0; i < k->ncols; i++) {
			if (!on[i]) {
				printf(" n/a |");
				continue;
			}
			fmt_rate(cell, sizeof(cell), res[q][i]);
			printf(" %s%s |", cell, res[q][i].continuations ? "*" : "");
		}
		for (j = 0; gb >= 0 && j < (int)(sizeof(ratio_cols) / sizeof(ratio_cols[0])); j++)
			for (i = 0; i < k->ncols; i++) {
				if (k->cols[i] != ratio_cols[j])
					continue;
				if (res[q][gb].rps > 0 && res[q][i].rps > 0)
					printf(" %.2f |", paired_ratio(&res[q][gb], &res[q][i]));
				else
					printf(" - |");
			}
		printf("\n");
		fflush(stdout);
	}
	printf("\nCPU time of io-wq workers over wall time, QD %u then %u:", qds[0],
	       qds[nqd - 1]);
	for (i = 0; i < k->ncols; i++)
		printf(" %s %.0f%%, %.0f%%%s", col_name(k->cols[i], k->dst),
		       res[0][i].wall ? 100 * res[0][i].iowq_cpu / res[0][i].wall : 0,
		       res[nqd - 1][i].wall ?
				100 * res[nqd - 1][i].iowq_cpu / res[nqd - 1][i].wall : 0,
		       i + 1 < k->ncols ? ";" : "\n");
	for (q = 0, j = 0; q < nqd; q++)
		for (i = 0; i < k->ncols; i++)
			j += res[q][i].continuations > 0;
	if (j)
		printf("(* = some operations returned short and were continued)\n");
	bench_close(&b);
	sched_setaffinity(0, sizeof(saved), &saved);
	if (strcmp(k->src, "null"))
		unlink(path);
}

/* Does this kernel take the benchmark-only inline flag on OP_SPLICE? */
static int probe_inline_splice(void)
{
	struct ring r;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int p[2], z = open("/dev/zero", O_RDONLY), ok;

	ring_init(&r);
	if (pipe(p) || z < 0)
		die("pipe: %s", strerror(errno));
	sqe = get_sqe(&r);
	sqe->opcode = IORING_OP_SPLICE;
	sqe->splice_fd_in = z;
	sqe->splice_off_in = (uint64_t)-1;
	sqe->fd = p[1];
	sqe->off = (uint64_t)-1;
	sqe->len = 1;
	sqe->splice_flags = BENCH_SPLICE_F_TRY_INLINE;
	ring_enter(&r, 1);
	cqe = &r.cqes[*r.cq_head & *r.cq_mask];
	ok = cqe->res == 1;
	close(r.fd);
	close(p[0]);
	close(p[1]);
	close(z);
	return ok;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: getbuf-bench [-s BYTES] [-t SECONDS] [-n SLICES] [-q QD,...] [-c CASES]\n"
		"                    [-e EXT4_DIR] [-m TMPFS_DIR]\n"
		"  -s  request size (default 4096, at most 1 MiB)\n"
		"  -t  seconds per cell (default 1), cut into slices interleaved with the\n"
		"      row's other columns; the best slice counts\n"
		"  -n  slices per cell (default 5, at most 64; one more warms up)\n"
		"  -q  queue depths (default 1,2,4,8,16,32; max 32)\n"
		"  -c  cases (default fetun): n = /dev/null -> /dev/null, f = tmpfs file ->\n"
		"      /dev/null, e = ext4 file -> /dev/null, t = ext4 file -> TCP,\n"
		"      T = tmpfs file -> TCP, u = ext4 file uncached -> /dev/null\n"
		"  -e  a directory on ext4 (default $GETBUF_EXT4)\n"
		"  -m  a directory on tmpfs (default /dev/shm)\n"
		"  -k  only these columns (others n/a): s splice(2), S sendfile(2), p pread(2),\n"
		"      d O_DIRECT, i OP_SPLICE inline, o OP_SPLICE stock, G GET_BUF link,\n"
		"      g GET_BUF link release each, r READ_FIXED link\n");
}

int main(int argc, char **argv)
{
	unsigned qds[8] = { 1, 2, 4, 8, 16, 32 };
	int nqd = 6, opt, last_op;
	const char *want = "fetun";
	struct ring probe;
	unsigned i;
	char *p;

	ext4_dir = getenv("GETBUF_EXT4");
	while ((opt = getopt(argc, argv, "s:t:q:c:e:m:n:k:h")) != -1) {
		switch (opt) {
		case 's':
			bsize = strtoul(optarg, NULL, 0);
			if (!bsize || bsize > (1 << 20) || bsize % 512)
				die("bad -s (a multiple of 512 up to 1 MiB)");
			break;
		case 't':
			cell_secs = atof(optarg);
			break;
		case 'q':
			nqd = 0;
			for (p = strtok(optarg, ","); p && nqd < 8; p = strtok(NULL, ",")) {
				qds[nqd] = atoi(p);
				if (!qds[nqd] || qds[nqd] > MAX_QD)
					die("bad QD %s", p);
				nqd++;
			}
			break;
		case 'n':
			nslices = atoi(optarg);
			if (nslices < 1 || nslices > MAX_SLICES)
				die("bad -n (1..%d)", MAX_SLICES);
			break;
		case 'c':
			want = optarg;
			break;
		case 'e':
			ext4_dir = optarg;
			break;
		case 'm':
			tmpfs_dir = optarg;
			break;
		case 'k':
			only_cols = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (file_size < 4 * bsize)
		file_size = 4 * bsize;

	signal(SIGPIPE, SIG_IGN);
	ring_init(&probe);
	get_buf_ok = probe_get_buf(probe.fd, &last_op);
	close(probe.fd);
	inline_splice_ok = probe_inline_splice();

	printf("## getbuf-bench\n\n");
	printf("- probe: IORING_OP_GET_BUF (%d) %s (IORING_REGISTER_PROBE last_op=%d)%s\n",
	       IORING_OP_GET_BUF, get_buf_ok ? "supported" : "NOT supported", last_op,
	       get_buf_ok ? "" : "; GET_BUF columns are n/a");
	printf("- OP_SPLICE inline (kernel/bench/patches, splice flag 1<<30): %s\n",
	       inline_splice_ok ? "supported" : "NOT supported (not the benchmark kernel); n/a");
	printf("- a row's columns run interleaved: %d rounds (+1 warm-up) of one %.2f s slice "
	       "per column; a cell is its column's best slice (requests/s and MiB/s of blocks "
	       "delivered), a ratio the median over the rounds of the two columns' slices "
	       "(paired); io_uring: rounds of QD requests, each fetch linked to its delivery, "
	       "short operations continued; ring COOP_TASKRUN|SINGLE_ISSUER|DEFER_TASKRUN, "
	       "fixed files\n", nslices, cell_secs / nslices);
	printf("- GET_BUF, link X: GET_BUF -> IOSQE_IO_LINK -> X from the slot (WRITE_FIXED to "
	       "/dev/null, SEND_ZC with IORING_RECVSEND_FIXED_BUF and MSG_WAITALL to a socket); "
	       "slots come from a pool of %d, emptied by one IORING_REGISTER_BUFFERS_UPDATE when "
	       "used up; \"release each\": every slot emptied by its own call right after its "
	       "round\n", GB_POOL);
	printf("- OP_SPLICE: SPLICE file -> pipe -> IOSQE_IO_LINK -> SPLICE pipe -> destination, "
	       "a pipe per request; stock: always io-wq; inline: tried inline first\n");
	printf("- READ_FIXED, link X: into a registered user buffer, then WRITE_FIXED (to "
	       "/dev/null) or SEND with MSG_WAITALL (a copy into the socket)\n");
	fflush(stdout);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (strchr(want, cases[i].key))
			run_case(&cases[i], qds, nqd);
	return 0;
}
