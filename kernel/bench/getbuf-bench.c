// SPDX-License-Identifier: Apache-2.0
/*
 * getbuf-bench: the RFC's splice vs IORING_OP_GET_BUF table, plus page-cache and
 * TCP cases. Raw syscalls, no liburing. Run inside the test VM with kernel/vm/bench.
 *
 * Every cell is "requests per second": one request moves one block (default 4 KiB)
 * from the source to the destination, however many operations that takes (a pair
 * of splices, a GET_BUF and a write, ...). io_uring cells run in rounds: QD
 * requests are submitted together (each a chain of SQEs where the column says
 * "link"), all their completions are reaped, repeat. Ring flags as in the RFC:
 * COOP_TASKRUN | SINGLE_ISSUER | DEFER_TASKRUN, fixed files, a sparse registered
 * buffer table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "getbuf_io_uring.h"

#define MAX_QD		32
#define NR_SLOTS	(2 * MAX_QD + 10)	/* [0,QD) GET_BUF, [MAX_QD, MAX_QD+QD) user bufs */
#define USER_SLOT(i)	(MAX_QD + (i))
#define RING_ENTRIES	256

/* fixed file table */
#define F_SRC		0
#define F_DST		1
#define F_PIPE_R(i)	(2 + 2 * (i))
#define F_PIPE_W(i)	(3 + 2 * (i))
#define NR_FILES	(2 + 2 * MAX_QD)

static size_t bsize = 4096;
static double cell_secs = 1.0;
static int nslices = 5;
static int one_cpu;	/* -1: process, receiver and io-wq workers on one CPU */
static const char *file_path = "/dev/shm/getbuf-bench.dat";
static size_t file_size = 16 << 20;

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
	unsigned sq_entries, cq_entries;
	unsigned *sq_head, *sq_tail, *sq_mask, *sq_array;
	unsigned *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	unsigned sq_local_tail;	/* SQEs filled but not yet published */
	unsigned to_submit;
};

static int sys_setup(unsigned entries, struct io_uring_params *p)
{
	return syscall(__NR_io_uring_setup, entries, p);
}

static int sys_enter(int fd, unsigned submit, unsigned wait, unsigned flags)
{
	return syscall(__NR_io_uring_enter, fd, submit, wait, flags, NULL, 0);
}

static int sys_register(int fd, unsigned op, void *arg, unsigned nr)
{
	return syscall(__NR_io_uring_register, fd, op, arg, nr);
}

static void ring_init(struct ring *r)
{
	struct io_uring_params p;
	unsigned flags[] = {
		IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_COOP_TASKRUN, 0,
	};
	size_t sq_sz, cq_sz;
	void *sq, *cq;
	int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < 3; i++) {
		memset(&p, 0, sizeof(p));
		p.flags = flags[i] | IORING_SETUP_CQSIZE;
		p.cq_entries = 4 * RING_ENTRIES;
		r->fd = sys_setup(RING_ENTRIES, &p);
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
	sq = mmap(NULL, sq_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		  IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		die("mmap sq: %s", strerror(errno));
	cq = sq;
	if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
		cq = mmap(NULL, cq_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
			  IORING_OFF_CQ_RING);
		if (cq == MAP_FAILED)
			die("mmap cq: %s", strerror(errno));
	}
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED)
		die("mmap sqes: %s", strerror(errno));
	r->sq_entries = p.sq_entries;
	r->cq_entries = p.cq_entries;
	r->sq_head = (unsigned *)((char *)sq + p.sq_off.head);
	r->sq_tail = (unsigned *)((char *)sq + p.sq_off.tail);
	r->sq_mask = (unsigned *)((char *)sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned *)((char *)sq + p.sq_off.array);
	r->cq_head = (unsigned *)((char *)cq + p.cq_off.head);
	r->cq_tail = (unsigned *)((char *)cq + p.cq_off.tail);
	r->cq_mask = (unsigned *)((char *)cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)((char *)cq + p.cq_off.cqes);
	for (i = 0; i < (int)p.sq_entries; i++)
		r->sq_array[i] = i;
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
		ret = sys_enter(r->fd, r->to_submit, wait, wait ? IORING_ENTER_GETEVENTS : 0);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		die("io_uring_enter: %s", strerror(errno));
	r->to_submit -= ret;
	if (r->to_submit)
		die("io_uring_enter submitted %d, %u left", ret, r->to_submit);
}

/*
 * Reap completions until @expected CQEs (growing by one for every CQE with F_MORE,
 * whose notification is still to come) have arrived. Returns the first error seen
 * (-ECANCELED of a broken link does not count), else 0.
 */
static int ring_reap(struct ring *r, unsigned expected, unsigned submit_first)
{
	unsigned seen = 0;
	int err = 0;

	if (submit_first)
		ring_enter(r, expected);
	for (;;) {
		unsigned head = *r->cq_head;
		unsigned tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);

		for (; head != tail; head++) {
			struct io_uring_cqe *cqe = &r->cqes[head & *r->cq_mask];

			seen++;
			if (cqe->flags & IORING_CQE_F_MORE)
				expected++;
			if (cqe->res < 0 && cqe->res != -ECANCELED && !err &&
			    !(cqe->flags & IORING_CQE_F_NOTIF))
				err = cqe->res;
		}
		__atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
		if (seen >= expected)
			return err;
		ring_enter(r, expected - seen);
	}
}

static int get_buf_supported(int ring_fd, int *last_op)
{
	size_t sz = sizeof(struct io_uring_probe) + 256 * sizeof(struct io_uring_probe_op);
	struct io_uring_probe *probe = calloc(1, sz);
	int ok = 0;

	if (sys_register(ring_fd, IORING_REGISTER_PROBE, probe, 256) < 0)
		die("IORING_REGISTER_PROBE: %s", strerror(errno));
	*last_op = probe->last_op;
	if (probe->ops_len > IORING_OP_GET_BUF &&
	    (probe->ops[IORING_OP_GET_BUF].flags & IO_URING_OP_SUPPORTED))
		ok = 1;
	free(probe);
	return ok;
}

/* Empty @nr slots from @first (their buffers go back to the file). */
static int release_slots(struct ring *r, unsigned first, unsigned nr)
{
	static struct iovec empty[NR_SLOTS];
	struct io_uring_rsrc_update2 up = {
		.offset = first, .data = (uintptr_t)empty, .nr = nr,
	};
	int ret = sys_register(r->fd, IORING_REGISTER_BUFFERS_UPDATE, &up, sizeof(up));

	return ret < 0 ? -errno : 0;
}

/* ---- the benchmark cases ---- */

enum dst_kind { DST_NULL, DST_TCP };

struct bench {
	struct ring ring;
	int src_fd;		/* GET_BUF / read source */
	int splice_src_fd;	/* splice source (/dev/zero when src is /dev/null) */
	int dst_fd;
	enum dst_kind dst;
	int pipes[MAX_QD][2];
	char *ubuf[MAX_QD];	/* registered user buffers at USER_SLOT(i) */
	uint64_t off;		/* next source offset */
	int src_seekable;
	int get_buf_ok;
};

static uint64_t next_off(struct bench *b)
{
	uint64_t off = b->off;

	if (!b->src_seekable)
		return 0;
	b->off += bsize;
	if (b->off + bsize > file_size)
		b->off = 0;
	return off;
}

static void sqe_get_buf(struct io_uring_sqe *sqe, uint64_t off, unsigned slot)
{
	sqe->opcode = IORING_OP_GET_BUF;
	sqe->flags = IOSQE_FIXED_FILE;
	sqe->fd = F_SRC;
	sqe->off = off;
	sqe->len = bsize;
	sqe->buf_index = slot;
}

static void sqe_write_fixed(struct io_uring_sqe *sqe, uint64_t addr, unsigned slot)
{
	sqe->opcode = IORING_OP_WRITE_FIXED;
	sqe->flags = IOSQE_FIXED_FILE;
	sqe->fd = F_DST;
	sqe->addr = addr;
	sqe->len = bsize;
	sqe->buf_index = slot;
}

static void sqe_send_zc(struct io_uring_sqe *sqe, uint64_t addr, unsigned slot)
{
	sqe->opcode = IORING_OP_SEND_ZC;
	sqe->flags = IOSQE_FIXED_FILE;
	sqe->fd = F_DST;
	sqe->addr = addr;
	sqe->len = bsize;
	sqe->ioprio = IORING_RECVSEND_FIXED_BUF;
	sqe->buf_index = slot;
}

static void sqe_read_fixed(struct io_uring_sqe *sqe, uint64_t off, unsigned i)
{
	sqe->opcode = IORING_OP_READ_FIXED;
	sqe->flags = IOSQE_FIXED_FILE;
	sqe->fd = F_SRC;
	sqe->off = off;
	sqe->len = bsize;
	sqe->buf_index = USER_SLOT(i);
}

/* How a GET_BUF slot is sent on: SEND_ZC (the copy-free path) to a socket. */
static void sqe_send_out(struct bench *b, struct io_uring_sqe *sqe, unsigned slot)
{
	if (b->dst == DST_TCP)
		sqe_send_zc(sqe, 0, slot);
	else
		sqe_write_fixed(sqe, 0, slot);
}

enum mode {
	M_SPLICE_SYS,		/* splice(2) src -> pipe -> dst */
	M_SENDFILE,		/* sendfile(2) */
	M_OP_SPLICE,		/* SPLICE src->pipe, link, SPLICE pipe->dst */
	M_GET_BUF,		/* GET_BUF; then WRITE_FIXED; batched release */
	M_GET_BUF_LINK,		/* GET_BUF, link, WRITE_FIXED; batched release */
	M_GET_BUF_REL,		/* GET_BUF, link, WRITE_FIXED; one release syscall per request */
	M_GET_BUF_WF_LINK,	/* GET_BUF, link, WRITE_FIXED even to a socket; batched release */
	M_READ_SEND_ZC,		/* READ_FIXED, link, SEND_ZC(fixed) */
	M_READ_WRITE,		/* READ_FIXED, link, WRITE_FIXED */
	M_NR,
};

static const char *mode_name[M_NR] = {
	[M_SPLICE_SYS] = "splice(2)",
	[M_SENDFILE] = "sendfile(2)",
	[M_OP_SPLICE] = "OP_SPLICE",
	[M_GET_BUF] = "GET_BUF + %s",
	[M_GET_BUF_LINK] = "GET_BUF, link %s",
	[M_GET_BUF_REL] = "GET_BUF, link %s, + release",
	[M_GET_BUF_WF_LINK] = "GET_BUF, link WRITE_FIXED",
	[M_READ_SEND_ZC] = "READ_FIXED + SEND_ZC",
	[M_READ_WRITE] = "READ_FIXED + WRITE_FIXED",
};

static int is_get_buf(enum mode m)
{
	return m == M_GET_BUF || m == M_GET_BUF_LINK || m == M_GET_BUF_REL ||
	       m == M_GET_BUF_WF_LINK;
}

/* One request done synchronously; returns 0 or -errno. */
static int sync_request(struct bench *b, enum mode m)
{
	loff_t off = next_off(b);
	ssize_t n, left;

	if (m == M_SENDFILE) {
		n = sendfile(b->dst_fd, b->src_fd, &off, bsize);
		return n < 0 ? -errno : 0;
	}
	n = splice(b->splice_src_fd, b->src_seekable ? &off : NULL, b->pipes[0][1], NULL,
		   bsize, 0);
	if (n < 0)
		return -errno;
	for (left = n; left > 0; left -= n) {
		n = splice(b->pipes[0][0], NULL, b->dst_fd, NULL, left, 0);
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
	}
	return 0;
}

/* One round of @qd requests; returns 0 or -errno. */
static int ring_round(struct bench *b, enum mode m, unsigned qd)
{
	struct ring *r = &b->ring;
	struct io_uring_sqe *sqe;
	unsigned i, nsqe = 0;
	int ret;

	switch (m) {
	case M_OP_SPLICE:
		for (i = 0; i < qd; i++) {
			sqe = get_sqe(r);
			sqe->opcode = IORING_OP_SPLICE;
			sqe->flags = IOSQE_FIXED_FILE | IOSQE_IO_LINK;
			sqe->splice_fd_in = F_SRC;
			sqe->splice_off_in = b->src_seekable ? next_off(b) : (uint64_t)-1;
			sqe->fd = F_PIPE_W(i);
			sqe->off = (uint64_t)-1;
			sqe->len = bsize;
			sqe->splice_flags = SPLICE_F_FD_IN_FIXED;
			sqe = get_sqe(r);
			sqe->opcode = IORING_OP_SPLICE;
			sqe->flags = IOSQE_FIXED_FILE;
			sqe->splice_fd_in = F_PIPE_R(i);
			sqe->splice_off_in = (uint64_t)-1;
			sqe->fd = F_DST;
			sqe->off = (uint64_t)-1;
			sqe->len = bsize;
			sqe->splice_flags = SPLICE_F_FD_IN_FIXED;
			nsqe += 2;
		}
		return ring_reap(r, nsqe, 1);
	case M_GET_BUF:
		for (i = 0; i < qd; i++)
			sqe_get_buf(get_sqe(r), next_off(b), i);
		ret = ring_reap(r, qd, 1);
		if (ret)
			return ret;
		for (i = 0; i < qd; i++)
			sqe_send_out(b, get_sqe(r), i);
		ret = ring_reap(r, qd, 1);
		if (ret)
			return ret;
		return release_slots(r, 0, qd);
	case M_GET_BUF_LINK:
	case M_GET_BUF_REL:
	case M_GET_BUF_WF_LINK:
		for (i = 0; i < qd; i++) {
			sqe = get_sqe(r);
			sqe_get_buf(sqe, next_off(b), i);
			sqe->flags |= IOSQE_IO_LINK;
			if (m == M_GET_BUF_WF_LINK)
				sqe_write_fixed(get_sqe(r), 0, i);
			else
				sqe_send_out(b, get_sqe(r), i);
		}
		ret = ring_reap(r, 2 * qd, 1);
		if (ret)
			return ret;
		if (m != M_GET_BUF_REL)
			return release_slots(r, 0, qd);
		for (i = 0; i < qd; i++) {
			ret = release_slots(r, i, 1);
			if (ret)
				return ret;
		}
		return 0;
	case M_READ_SEND_ZC:
	case M_READ_WRITE:
		for (i = 0; i < qd; i++) {
			sqe = get_sqe(r);
			sqe_read_fixed(sqe, next_off(b), i);
			sqe->addr = (uintptr_t)b->ubuf[i];
			sqe->flags |= IOSQE_IO_LINK;
			if (m == M_READ_SEND_ZC)
				sqe_send_zc(get_sqe(r), (uintptr_t)b->ubuf[i], USER_SLOT(i));
			else
				sqe_write_fixed(get_sqe(r), (uintptr_t)b->ubuf[i], USER_SLOT(i));
		}
		return ring_reap(r, 2 * qd, 1);
	default:
		return -EINVAL;
	}
}

/*
 * Requests per second, or a negative errno. The cell's time is cut into slices
 * (after a warm-up slice) and the best slice counts: under emulation on a shared
 * host, a vCPU thread preempted for a while (or a loopback retransmission timeout)
 * otherwise decides the number.
 */
static double run_cell(struct bench *b, enum mode m, unsigned qd)
{
	int sync;
	double slice = cell_secs / nslices, t0, t, best = 0;
	int s, ret;

	sync = (m == M_SPLICE_SYS || m == M_SENDFILE);
	for (s = -1; s < nslices; s++) {
		uint64_t reqs = 0;

		t0 = now();
		do {
			if (sync) {
				unsigned i;

				for (i = 0; i < qd; i++) {
					ret = sync_request(b, m);
					if (ret)
						return ret;
				}
			} else {
				ret = ring_round(b, m, qd);
				if (ret)
					return ret;
			}
			reqs += qd;
			t = now();
		} while (t - t0 < slice);
		if (s >= 0 && reqs / (t - t0) > best)	/* slice -1 warms up */
			best = reqs / (t - t0);
	}
	return best;
}

/* ---- setup ---- */

static void *drain_thread(void *arg)
{
	int fd = (int)(intptr_t)arg;
	static char buf[1 << 20];

	/* MSG_TRUNC: TCP drops the data without copying it, so the receiver stays cheap */
	while (recv(fd, buf, sizeof(buf), MSG_TRUNC) > 0)
		;
	return NULL;
}

static void tcp_pair(int *tx, int *rx)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int ls, one = 1, rcvbuf = 16 << 20, clamp = 1 << 20;

	/*
	 * Under emulation the receiver falls behind in bursts; with the default buffers
	 * the receive queue then overruns its budget, gets pruned and collapsed (dropped
	 * and copied segments, retransmission timeouts of 200 ms). A big receive buffer
	 * (SO_RCVBUFFORCE, we are root in the VM) with the window clamped well below it
	 * keeps every segment in budget. Both are inherited by the accepted socket.
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

static void make_file(void)
{
	size_t done = 0;
	char *buf = malloc(1 << 20);
	int fd, i;

	fd = open(file_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("create %s: %s", file_path, strerror(errno));
	for (i = 0; i < (1 << 20); i++)
		buf[i] = 'a' + i % 26;
	while (done < file_size) {
		ssize_t n = write(fd, buf, 1 << 20);

		if (n <= 0)
			die("write %s: %s", file_path, strerror(errno));
		done += n;
	}
	free(buf);
	close(fd);
}

static void bench_open(struct bench *b, const char *src, enum dst_kind dst, int *rx)
{
	struct io_uring_rsrc_register reg = { .nr = NR_SLOTS, .flags = IORING_RSRC_REGISTER_SPARSE };
	struct iovec iov[MAX_QD];
	struct io_uring_rsrc_update2 up;
	int files[NR_FILES], i, last_op;

	memset(b, 0, sizeof(*b));
	ring_init(&b->ring);
	b->get_buf_ok = get_buf_supported(b->ring.fd, &last_op);
	if (one_cpu) {
		cpu_set_t cpu;

		CPU_ZERO(&cpu);
		CPU_SET(sched_getcpu(), &cpu);
		if (sys_register(b->ring.fd, IORING_REGISTER_IOWQ_AFF, &cpu, sizeof(cpu)) < 0)
			die("IORING_REGISTER_IOWQ_AFF: %s", strerror(errno));
	}
	b->src_fd = open(src, O_RDONLY);
	if (b->src_fd < 0)
		die("open %s: %s", src, strerror(errno));
	b->src_seekable = strcmp(src, "/dev/null") != 0;
	b->splice_src_fd = b->src_seekable ? b->src_fd : open("/dev/zero", O_RDONLY);
	b->dst = dst;
	if (dst == DST_TCP) {
		tcp_pair(&b->dst_fd, rx);
	} else {
		b->dst_fd = open("/dev/null", O_WRONLY);
		*rx = -1;
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
	up.offset = MAX_QD;
	up.data = (uintptr_t)iov;
	up.nr = MAX_QD;
	if (sys_register(b->ring.fd, IORING_REGISTER_BUFFERS_UPDATE, &up, sizeof(up)) < 0)
		die("IORING_REGISTER_BUFFERS_UPDATE: %s", strerror(errno));
}

/* The OP_SPLICE pipes' fixed file for the source: /dev/zero when GET_BUF reads /dev/null. */
static void bench_use_splice_src(struct bench *b, int on)
{
	struct io_uring_rsrc_update2 up = { .offset = F_SRC, .nr = 1 };
	int fd = on ? b->splice_src_fd : b->src_fd;

	up.data = (uintptr_t)&fd;
	if (b->splice_src_fd == b->src_fd)
		return;
	if (sys_register(b->ring.fd, IORING_REGISTER_FILES_UPDATE2, &up, sizeof(up)) < 0)
		die("IORING_REGISTER_FILES_UPDATE2: %s", strerror(errno));
}

static void bench_close(struct bench *b, int rx, pthread_t *th)
{
	int i;

	close(b->ring.fd);
	if (rx >= 0) {
		shutdown(b->dst_fd, SHUT_WR);
		pthread_join(*th, NULL);
		close(rx);
	}
	close(b->dst_fd);
	if (b->splice_src_fd != b->src_fd)
		close(b->splice_src_fd);
	close(b->src_fd);
	for (i = 0; i < MAX_QD; i++) {
		close(b->pipes[i][0]);
		close(b->pipes[i][1]);
		free(b->ubuf[i]);
	}
}

static void fmt_rate(char *out, size_t len, double v)
{
	if (v < 0)
		snprintf(out, len, "err %d", (int)v);
	else if (v >= 1e6)
		snprintf(out, len, "%.2fM", v / 1e6);
	else
		snprintf(out, len, "%.0fK", v / 1e3);
}

static void run_case(const char *title, const char *src, enum dst_kind dst,
		     const enum mode *modes, int nmodes, const unsigned *qds, int nqd)
{
	struct bench b;
	pthread_t th;
	int rx, i, q, splice_col = -1;
	double res[8][M_NR];

	cpu_set_t saved, one;

	/*
	 * TCP: sender and receiver share one CPU. Across two vCPUs every wake-up of the
	 * other side waits for the host to schedule that vCPU's thread, which on a busy
	 * host dominates everything else (measured: 10x swings between cells).
	 */
	sched_getaffinity(0, sizeof(saved), &saved);
	if (dst == DST_TCP || one_cpu) {
		CPU_ZERO(&one);
		CPU_SET(sched_getcpu(), &one);
		sched_setaffinity(0, sizeof(one), &one);
	}
	bench_open(&b, src, dst, &rx);
	if (rx >= 0)
		pthread_create(&th, NULL, drain_thread, (void *)(intptr_t)rx);

	printf("\n### %s, %zu-byte requests (requests/s; (x) = ratio to OP_SPLICE)\n\n", title, bsize);
	if (dst == DST_TCP)
		printf("Sender and receiver pinned to one CPU (io-wq workers %s); the receiver discards with "
		       "recv(MSG_TRUNC); 16 MiB receive buffer, window clamped to 1 MiB.\n\n",
		       one_cpu ? "too" : "not");
	printf("| QD |");
	for (i = 0; i < nmodes; i++) {
		printf(" ");
		printf(mode_name[modes[i]], dst == DST_TCP ? "SEND_ZC" : "WRITE_FIXED");
		printf(" |");
		if (modes[i] == M_OP_SPLICE)
			splice_col = i;
	}
	printf("\n|---:|");
	for (i = 0; i < nmodes; i++)
		printf("---:|");
	printf("\n");
	fflush(stdout);

	for (q = 0; q < nqd; q++) {
		for (i = 0; i < nmodes; i++) {
			enum mode m = modes[i];
			int spl = (m == M_SPLICE_SYS || m == M_OP_SPLICE);

			if (is_get_buf(m) && !b.get_buf_ok) {
				res[q][i] = 0;
				continue;
			}
			if (spl)
				bench_use_splice_src(&b, 1);
			res[q][i] = run_cell(&b, m, qds[q]);
			if (spl)
				bench_use_splice_src(&b, 0);
			if (is_get_buf(m) && res[q][i] < 0)
				release_slots(&b.ring, 0, MAX_QD);	/* leave the slots empty */
		}
		printf("| %u |", qds[q]);
		for (i = 0; i < nmodes; i++) {
			char cell[64], rate[32];

			if (is_get_buf(modes[i]) && !b.get_buf_ok) {
				printf(" n/a |");
				continue;
			}
			fmt_rate(rate, sizeof(rate), res[q][i]);
			if (splice_col >= 0 && i != splice_col && res[q][i] > 0 &&
			    res[q][splice_col] > 0)
				snprintf(cell, sizeof(cell), "%s (%.2fx)", rate,
					 res[q][i] / res[q][splice_col]);
			else
				snprintf(cell, sizeof(cell), "%s", rate);
			printf(" %s |", cell);
		}
		printf("\n");
		fflush(stdout);
	}
	bench_close(&b, rx, &th);
	sched_setaffinity(0, sizeof(saved), &saved);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: getbuf-bench [-s BYTES] [-t SECONDS] [-n SLICES] [-1] [-q QD,...] [-c CASES] [-f FILE]\n"
		"  -s  request size (default 4096, at most 1 MiB)\n"
		"  -t  seconds per cell (default 1), cut into slices; the best slice counts\n"
		"  -n  slices per cell (default 5; one more slice warms up)\n"
		"  -1  everything on one CPU: the process, the TCP receiver and the io-wq\n"
		"      workers (IORING_REGISTER_IOWQ_AFF); without it only the TCP case is pinned\n"
		"  -q  queue depths (default 1,2,4,8,16,32; max 32)\n"
		"  -c  cases: n = /dev/null -> /dev/null, f = tmpfs file -> /dev/null,\n"
		"      t = tmpfs file -> TCP over loopback (default nft)\n"
		"  -f  the tmpfs file (default /dev/shm/getbuf-bench.dat, 16 MiB; must be on\n"
		"      tmpfs itself, not an overlay)\n");
}

int main(int argc, char **argv)
{
	static const enum mode null_modes[] = {
		M_SPLICE_SYS, M_OP_SPLICE, M_GET_BUF, M_GET_BUF_LINK, M_GET_BUF_REL,
	};
	static const enum mode file_modes[] = {
		M_SPLICE_SYS, M_OP_SPLICE, M_GET_BUF, M_GET_BUF_LINK, M_GET_BUF_REL, M_READ_WRITE,
	};
	static const enum mode tcp_modes[] = {
		M_SPLICE_SYS, M_SENDFILE, M_OP_SPLICE, M_GET_BUF, M_GET_BUF_LINK, M_GET_BUF_REL,
		M_GET_BUF_WF_LINK, M_READ_SEND_ZC, M_READ_WRITE,
	};
	unsigned qds[8] = { 1, 2, 4, 8, 16, 32 };
	int nqd = 6, opt, last_op, ok;
	const char *cases = "nft";
	struct ring probe_ring;
	char *p;

	while ((opt = getopt(argc, argv, "s:t:q:c:f:n:1h")) != -1) {
		switch (opt) {
		case 's':
			bsize = strtoul(optarg, NULL, 0);
			if (!bsize || bsize > (1 << 20))
				die("bad -s");
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
			if (nslices < 1)
				die("bad -n");
			break;
		case '1':
			one_cpu = 1;
			break;
		case 'c':
			cases = optarg;
			break;
		case 'f':
			file_path = optarg;
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
	ring_init(&probe_ring);
	ok = get_buf_supported(probe_ring.fd, &last_op);
	close(probe_ring.fd);

	printf("## getbuf-bench\n\n");
	printf("- probe: IORING_OP_GET_BUF (%d) %s (IORING_REGISTER_PROBE last_op=%d)%s\n",
	       IORING_OP_GET_BUF, ok ? "supported" : "NOT supported", last_op,
	       ok ? "" : "; GET_BUF columns are n/a");
	printf("- %.1f s per cell, best of %d slices (+1 warm-up); io_uring cells: rounds of QD requests submitted together, "
	       "ring COOP_TASKRUN|SINGLE_ISSUER|DEFER_TASKRUN, fixed files\n", cell_secs, nslices);
	printf("- GET_BUF + X: QD GET_BUFs, reap, QD X (from address 0), reap, one "
	       "IORING_REGISTER_BUFFERS_UPDATE emptying the QD slots; X = WRITE_FIXED to "
	       "/dev/null, SEND_ZC with IORING_RECVSEND_FIXED_BUF to a socket\n");
	printf("- GET_BUF, link X: GET_BUF -> IOSQE_IO_LINK -> X, one batched "
	       "BUFFERS_UPDATE release per round\n");
	printf("- GET_BUF, link X, + release: as the link column, but each slot emptied by its "
	       "own IORING_REGISTER_BUFFERS_UPDATE syscall (a real release, not a NOP stand-in)\n");
	printf("- GET_BUF, link WRITE_FIXED (TCP): the copying path to a socket, for comparison\n");
	if (one_cpu)
		printf("- -1: process, receiver and io-wq workers pinned to one CPU\n");
	printf("- splice columns read /dev/zero where GET_BUF reads /dev/null (6.12's /dev/null "
	       "has no splice_read)\n");
	fflush(stdout);

	if (strchr(cases, 'f') || strchr(cases, 't'))
		make_file();
	if (strchr(cases, 'n'))
		run_case("/dev/null -> /dev/null", "/dev/null", DST_NULL, null_modes,
			 sizeof(null_modes) / sizeof(null_modes[0]), qds, nqd);
	if (strchr(cases, 'f'))
		run_case("tmpfs file -> /dev/null", file_path, DST_NULL, file_modes,
			 sizeof(file_modes) / sizeof(file_modes[0]), qds, nqd);
	if (strchr(cases, 't'))
		run_case("tmpfs file -> TCP over 127.0.0.1", file_path, DST_TCP, tcp_modes,
			 sizeof(tcp_modes) / sizeof(tcp_modes[0]), qds, nqd);
	if (strchr(cases, 'f') || strchr(cases, 't'))
		unlink(file_path);
	return 0;
}
