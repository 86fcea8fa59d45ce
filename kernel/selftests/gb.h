/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tiny io_uring helper for the getbuf kernel selftests: raw syscalls only
 * (no liburing), the project's own uapi header for the ABI.
 *
 * A test prints one line per check ("ok: ..." / "FAIL: ...") and exits
 * 0 (all checks passed), 77 (skipped: the kernel lacks what the test needs)
 * or 1 (a check failed).
 */
#ifndef GB_SELFTEST_H
#define GB_SELFTEST_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "../../transport-native/src/main/c/getbuf_io_uring.h"

#define GB_PAGE 4096

static int gb_fails;

#define CHECK(cond, ...)						\
	do {								\
		if (cond) {						\
			printf("ok: ");					\
		} else {						\
			printf("FAIL (%s:%d): ", __FILE__, __LINE__);	\
			gb_fails++;					\
		}							\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		fflush(stdout);						\
	} while (0)

#define CHECK_EQ(got, want, what)					\
	do {								\
		long long _g = (long long)(got), _w = (long long)(want); \
		CHECK(_g == _w, "%s: got %lld, want %lld", what, _g, _w); \
	} while (0)

#define SKIP(...)							\
	do {								\
		printf("SKIP: ");					\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		exit(77);						\
	} while (0)

#define DIE(...)							\
	do {								\
		printf("FAIL (%s:%d): ", __FILE__, __LINE__);		\
		printf(__VA_ARGS__);					\
		printf(" (errno %d: %s)\n", errno, strerror(errno));	\
		exit(1);						\
	} while (0)

static inline int gb_done(void)
{
	printf("%s: %d failed check(s)\n", gb_fails ? "FAILED" : "PASSED",
	       gb_fails);
	return gb_fails ? 1 : 0;
}

struct ring {
	int fd;
	unsigned int *sq_head, *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	unsigned int sq_entries;
	unsigned int pending;	/* SQEs queued, not yet submitted */
	void *sq_map, *cq_map;	/* the mmaps hold references on the ring file */
	size_t sq_map_sz, cq_map_sz, sqes_sz;
};

static inline int sys_setup(unsigned int entries, struct io_uring_params *p)
{
	return (int)syscall(__NR_io_uring_setup, entries, p);
}

static inline int sys_enter(int fd, unsigned int submit, unsigned int wait,
			    unsigned int flags)
{
	return (int)syscall(__NR_io_uring_enter, fd, submit, wait, flags,
			    NULL, 0);
}

static inline int sys_register(int fd, unsigned int op, const void *arg,
			       unsigned int nr)
{
	int ret = (int)syscall(__NR_io_uring_register, fd, op, arg, nr);

	return ret < 0 ? -errno : ret;
}

static inline int ring_init(struct ring *r, unsigned int entries,
			    unsigned int flags)
{
	struct io_uring_params p;
	size_t sq_sz, cq_sz;
	void *sq, *cq;

	memset(&p, 0, sizeof(p));
	memset(r, 0, sizeof(*r));
	p.flags = flags;
	r->fd = sys_setup(entries, &p);
	if (r->fd < 0)
		return -errno;
	sq_sz = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	cq_sz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (cq_sz > sq_sz)
			sq_sz = cq_sz;
		cq_sz = sq_sz;
	}
	sq = mmap(NULL, sq_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  r->fd, IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		return -errno;
	cq = sq;
	if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
		cq = mmap(NULL, cq_sz, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
		if (cq == MAP_FAILED)
			return -errno;
	}
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		       IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED)
		return -errno;
	r->sq_map = sq;
	r->cq_map = cq;
	r->sq_map_sz = sq_sz;
	r->cq_map_sz = cq_sz;
	r->sqes_sz = p.sq_entries * sizeof(struct io_uring_sqe);
	r->sq_head = (unsigned int *)((char *)sq + p.sq_off.head);
	r->sq_tail = (unsigned int *)((char *)sq + p.sq_off.tail);
	r->sq_mask = (unsigned int *)((char *)sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned int *)((char *)sq + p.sq_off.array);
	r->cq_head = (unsigned int *)((char *)cq + p.cq_off.head);
	r->cq_tail = (unsigned int *)((char *)cq + p.cq_off.tail);
	r->cq_mask = (unsigned int *)((char *)cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)((char *)cq + p.cq_off.cqes);
	r->sq_entries = p.sq_entries;
	return 0;
}

static inline void ring_init_or_die(struct ring *r, unsigned int entries)
{
	int ret = ring_init(r, entries, 0);

	if (ret == -ENOSYS)
		SKIP("io_uring not available");
	if (ret)
		DIE("io_uring_setup: %d", ret);
}

/* Unmap and close: only then is the ring's file released. */
static inline void ring_exit(struct ring *r)
{
	munmap(r->sqes, r->sqes_sz);
	if (r->cq_map != r->sq_map)
		munmap(r->cq_map, r->cq_map_sz);
	munmap(r->sq_map, r->sq_map_sz);
	close(r->fd);
	r->fd = -1;
}

/* A zeroed SQE, queued for the next ring_submit(). */
static inline struct io_uring_sqe *ring_sqe(struct ring *r)
{
	unsigned int tail = *r->sq_tail + r->pending;
	unsigned int idx = tail & *r->sq_mask;
	struct io_uring_sqe *sqe = &r->sqes[idx];

	if (tail - __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE) >= r->sq_entries)
		DIE("SQ full");
	memset(sqe, 0, sizeof(*sqe));
	r->sq_array[idx] = idx;
	r->pending++;
	return sqe;
}

/* Submit what is queued and wait for @wait completions. */
static inline int ring_submit(struct ring *r, unsigned int wait)
{
	unsigned int n = r->pending;
	int ret;

	__atomic_store_n(r->sq_tail, *r->sq_tail + n, __ATOMIC_RELEASE);
	r->pending = 0;
	do {
		ret = sys_enter(r->fd, n, wait, wait ? IORING_ENTER_GETEVENTS : 0);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : ret;
}

/* Pop one CQE, waiting for it. */
static inline void ring_cqe(struct ring *r, struct io_uring_cqe *out)
{
	for (;;) {
		unsigned int head = *r->cq_head;

		if (head != __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE)) {
			*out = r->cqes[head & *r->cq_mask];
			__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
			return;
		}
		if (sys_enter(r->fd, 0, 1, IORING_ENTER_GETEVENTS) < 0 &&
		    errno != EINTR)
			DIE("io_uring_enter(wait)");
	}
}

/* Submit one queued SQE and return its CQE's res. */
static inline int ring_run1(struct ring *r)
{
	struct io_uring_cqe cqe;
	int ret = ring_submit(r, 1);

	if (ret < 0)
		return ret;
	ring_cqe(r, &cqe);
	return cqe.res;
}

/* A sparse (all empty) registered-buffer table of @nr slots. */
static inline int reg_sparse_bufs(struct ring *r, unsigned int nr)
{
	struct io_uring_rsrc_register rr;

	memset(&rr, 0, sizeof(rr));
	rr.nr = nr;
	rr.flags = IORING_RSRC_REGISTER_SPARSE;
	return sys_register(r->fd, IORING_REGISTER_BUFFERS2, &rr, sizeof(rr));
}

/* Put @base/@len into @slot (NULL/0 empties it); returns 1 on success. */
static inline int buf_update(struct ring *r, unsigned int slot, void *base,
			     size_t len)
{
	struct iovec iov = { .iov_base = base, .iov_len = len };
	struct io_uring_rsrc_update2 up;

	memset(&up, 0, sizeof(up));
	up.offset = slot;
	up.data = (uintptr_t)&iov;
	up.nr = 1;
	return sys_register(r->fd, IORING_REGISTER_BUFFERS_UPDATE, &up,
			    sizeof(up));
}

static inline int buf_empty(struct ring *r, unsigned int slot)
{
	return buf_update(r, slot, NULL, 0);
}

/* Empty @nr (<= 16) slots from @first with one update; returns @nr on success. */
static inline int empty_slots(struct ring *r, unsigned int first, unsigned int nr)
{
	struct iovec iov[16];
	struct io_uring_rsrc_update2 up;

	memset(iov, 0, sizeof(iov));
	memset(&up, 0, sizeof(up));
	up.offset = first;
	up.data = (uintptr_t)iov;
	up.nr = nr;
	return sys_register(r->fd, IORING_REGISTER_BUFFERS_UPDATE, &up,
			    sizeof(up));
}

/* 1 if @op is reported supported, 0 if not, -errno if the probe failed. */
static inline int probe_op(struct ring *r, unsigned int op)
{
	size_t sz = sizeof(struct io_uring_probe) +
		    256 * sizeof(struct io_uring_probe_op);
	struct io_uring_probe *p = calloc(1, sz);
	int ret;

	ret = sys_register(r->fd, IORING_REGISTER_PROBE, p, 256);
	if (ret >= 0)
		ret = op < p->ops_len &&
		      (p->ops[op].flags & IO_URING_OP_SUPPORTED);
	free(p);
	return ret;
}

/*
 * The patched test kernel (CONFIG_IO_URING_GET_BUF_TEST) publishes the
 * providers' counters and a page reference count reader in debugfs.
 */
#define GB_NULL_DBG	"/sys/kernel/debug/getbuf-null/"
#define GB_FILEMAP_DBG	"/sys/kernel/debug/getbuf-filemap/"

static inline int kernel_has_getbuf_debugfs(void)
{
	return access(GB_NULL_DBG "gets", R_OK) == 0 &&
	       access(GB_FILEMAP_DBG "enabled", W_OK) == 0 &&
	       access(GB_FILEMAP_DBG "kpagerefs", R_OK) == 0;
}

/*
 * kernel/vm/test --expect stock (GETBUF_EXPECT=stock) checks a kernel without
 * the series; by default a run checks the patched kernel and a test that
 * skips there fails (kernel/vm/run-selftests).
 */
static inline int expect_stock(void)
{
	const char *e = getenv("GETBUF_EXPECT");

	return e && !strcmp(e, "stock");
}

static inline long dbg(const char *path)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		DIE("open %s", path);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		DIE("read %s", path);
	buf[n] = 0;
	return strtol(buf, NULL, 0);
}

struct gb_counters {
	long gets, releases, pages;
};

static inline struct gb_counters counters(const char *dir)
{
	char path[256];
	struct gb_counters c;

	snprintf(path, sizeof(path), "%sgets", dir);
	c.gets = dbg(path);
	snprintf(path, sizeof(path), "%sreleases", dir);
	c.releases = dbg(path);
	snprintf(path, sizeof(path), "%spages", dir);
	c.pages = dbg(path);
	return c;
}

/*
 * A stock kernel skips (which kernel/vm/run-selftests counts as a failure
 * unless the run expects a stock kernel). A kernel with GET_BUF must have
 * the test instrumentation: its absence fails. Turns the page-cache
 * provider's counters on.
 */
static inline void require_getbuf(struct ring *r)
{
	int sup = probe_op(r, IORING_OP_GET_BUF), fd;

	if (sup < 0)
		DIE("IORING_REGISTER_PROBE failed: %d", sup);
	if (!sup)
		SKIP("stock kernel: IORING_OP_GET_BUF not supported");
	if (!kernel_has_getbuf_debugfs())
		DIE("GET_BUF supported, but no %s{enabled,kpagerefs} and %sgets: "
		    "debugfs not mounted, or a kernel without CONFIG_IO_URING_GET_BUF_TEST",
		    GB_FILEMAP_DBG, GB_NULL_DBG);
	fd = open(GB_FILEMAP_DBG "enabled", O_WRONLY);
	if (fd < 0 || write(fd, "1", 1) != 1)
		DIE("cannot turn on %senabled", GB_FILEMAP_DBG);
	close(fd);
}

/*
 * For the tests that need no debugfs (they run on the production kernel too,
 * kernel/selftests/production.list): only GET_BUF itself is required, a stock
 * kernel skips.
 */
static inline void require_getbuf_op(struct ring *r)
{
	int sup = probe_op(r, IORING_OP_GET_BUF);

	if (sup < 0)
		DIE("IORING_REGISTER_PROBE failed: %d", sup);
	if (!sup)
		SKIP("stock kernel: IORING_OP_GET_BUF not supported");
}

/*
 * Become an unprivileged user (nobody, no CAP_IPC_LOCK) whose locked memory
 * is limited to @memlock bytes: a ring set up afterwards charges registered
 * and GET_BUF buffers against that limit. Call it in a child process.
 */
#include <sys/resource.h>
static inline void become_unprivileged(unsigned long memlock)
{
	struct rlimit rl = { memlock, memlock };

	if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgid(65534) || setuid(65534))
		DIE("setrlimit/setgid/setuid");
}

/* A field of /proc/self/status in kB (VmPin: pages a ring keeps charged), -1 if absent. */
static inline long status_kb(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");
	size_t kl = strlen(key);

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/* Write @val to a /proc/sys file; returns 0 or -errno. */
static inline int write_sysctl(const char *path, long val)
{
	char buf[32];
	int fd = open(path, O_WRONLY), n, ret = 0;

	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%ld", val);
	if (write(fd, buf, n) != n)
		ret = -errno;
	close(fd);
	return ret;
}

static inline long read_sysctl(const char *path)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

/* Every byte of @p[0..len) is 0. */
static inline int all_zero(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

static inline void sqe_get_buf(struct io_uring_sqe *sqe, int fd, uint64_t off,
			       unsigned int len, unsigned int slot)
{
	sqe->opcode = IORING_OP_GET_BUF;
	sqe->fd = fd;
	sqe->off = off;
	sqe->len = len;
	sqe->buf_index = slot;
}

static inline void sqe_rw_fixed(struct io_uring_sqe *sqe, int op, int fd,
				uint64_t addr, unsigned int len, uint64_t off,
				unsigned int slot)
{
	sqe->opcode = op;
	sqe->fd = fd;
	sqe->addr = addr;
	sqe->len = len;
	sqe->off = off;
	sqe->buf_index = slot;
}

static inline void sqe_send_zc_fixed(struct io_uring_sqe *sqe, int fd,
				     uint64_t addr, unsigned int len,
				     unsigned int slot, unsigned int extra)
{
	sqe->opcode = IORING_OP_SEND_ZC;
	sqe->fd = fd;
	sqe->addr = addr;
	sqe->len = len;
	sqe->ioprio = IORING_RECVSEND_FIXED_BUF | extra;
	sqe->buf_index = slot;
}

static inline int get_buf(struct ring *r, int fd, uint64_t off,
			  unsigned int len, unsigned int slot)
{
	sqe_get_buf(ring_sqe(r), fd, off, len, slot);
	return ring_run1(r);
}

/* WRITE_FIXED of slot bytes [addr, addr+len) to @fd at @off. */
static inline int write_fixed(struct ring *r, int fd, uint64_t addr,
			      unsigned int len, uint64_t off, unsigned int slot)
{
	sqe_rw_fixed(ring_sqe(r), IORING_OP_WRITE_FIXED, fd, addr, len, off,
		     slot);
	return ring_run1(r);
}

/* The byte the /dev/null provider puts at buffer offset @i. */
static inline unsigned char null_pattern(size_t i)
{
	return (unsigned char)(i + (i / GB_PAGE));
}

/* File content used by the file tests: distinct per offset and per @seed. */
static inline unsigned char file_pattern(size_t i, unsigned int seed)
{
	return (unsigned char)((i * 31) ^ (i >> 12) ^ (seed * 77));
}

static inline void fill_pattern(unsigned char *p, size_t off, size_t len,
				unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = file_pattern(off + i, seed);
}

/* Create @path with @len bytes of file_pattern(seed). */
static inline int make_file(const char *path, size_t len, unsigned int seed)
{
	unsigned char *p = malloc(len ? len : 1);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || !p)
		DIE("create %s", path);
	fill_pattern(p, 0, len, seed);
	if (len && pwrite(fd, p, len, 0) != (ssize_t)len)
		DIE("write %s", path);
	free(p);
	return fd;
}

/* Read exactly @len bytes from a pipe or socket. */
static inline int read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

/* Write the slot's first @len bytes into a pipe and read them back. */
static inline int slot_contents(struct ring *r, unsigned int slot,
				unsigned char *out, unsigned int len)
{
	int pfd[2], ret;
	unsigned int done = 0;

	if (pipe2(pfd, 0))
		DIE("pipe");
	fcntl(pfd[1], F_SETPIPE_SZ, 1 << 20);
	while (done < len) {
		unsigned int chunk = len - done;

		if (chunk > 65536)
			chunk = 65536;
		ret = write_fixed(r, pfd[1], done, chunk, 0, slot);
		if (ret <= 0) {
			close(pfd[0]);
			close(pfd[1]);
			return ret ? ret : -EIO;
		}
		if (read_full(pfd[0], out + done, ret))
			DIE("read pipe");
		done += ret;
	}
	close(pfd[0]);
	close(pfd[1]);
	return 0;
}

/* Threads of this process: io-wq workers (iou-wrk-*) show up here. */
static inline int nr_threads(void)
{
	char line[256];
	int n = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Threads:", 8))
			n = atoi(line + 8);
	fclose(f);
	return n;
}

static inline long meminfo_kb(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");
	size_t kl = strlen(key);

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/* Drop clean page cache (and slab caches) of every file system. */
static inline void drop_caches(void)
{
	int fd;

	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd < 0 || write(fd, "3", 1) != 1)
		DIE("drop_caches");
	close(fd);
}

/*
 * The ext4 file system on the VM's disk (kernel/vm/test makes a sparse
 * image with mkfs.ext4 and vm/init mounts it, exporting GETBUF_EXT4).
 */
static inline const char *ext4_dir(void)
{
	const char *d = getenv("GETBUF_EXT4");

	if (!d || !*d || access(d, W_OK))
		DIE("no ext4 file system: GETBUF_EXT4 unset or not writable "
		    "(kernel/vm/test attaches a disk; vm/run --disk IMAGE)");
	return d;
}

/*
 * Independent page reference checks: a read-only shared mapping of part of
 * a file gives the pages' PFNs (/proc/self/pagemap), and the test kernel's
 * /sys/kernel/debug/getbuf-filemap/kpagerefs gives the reference count of
 * the folio each PFN belongs to (after draining the per-CPU LRU batches,
 * whose references come and go). /proc/kpagecount is no use here: it has
 * map counts, which a buffer or a socket holding a page does not change.
 * The mapping stays in place between readings, so its own references are
 * part of every reading; what a test compares are differences.
 */
struct page_view {
	unsigned char *addr;
	size_t npages;
	uint64_t pfn[512];
};

static inline uint64_t read_u64_at(const char *path, uint64_t index)
{
	uint64_t v;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		DIE("open %s", path);
	if (pread(fd, &v, 8, index * 8) != 8)
		DIE("read %s at %llu", path, (unsigned long long)index);
	close(fd);
	return v;
}

/* Map @npages pages of @fd from page-aligned @off and fault them in. */
static inline void view_map(struct page_view *v, int fd, off_t off,
			    size_t npages)
{
	size_t i;

	if (npages > sizeof(v->pfn) / sizeof(v->pfn[0]))
		DIE("view of %zu pages", npages);
	v->npages = npages;
	v->addr = mmap(NULL, npages * GB_PAGE, PROT_READ, MAP_SHARED, fd, off);
	if (v->addr == MAP_FAILED)
		DIE("mmap");
	for (i = 0; i < npages; i++) {
		uint64_t e;

		(void)*(volatile unsigned char *)(v->addr + i * GB_PAGE);
		e = read_u64_at("/proc/self/pagemap",
				((uintptr_t)v->addr >> 12) + i);
		if (!(e & (1ULL << 63)) || !(e & ((1ULL << 55) - 1)))
			DIE("page %zu of the view not present or no PFN (pagemap 0x%llx)",
			    i, (unsigned long long)e);
		v->pfn[i] = e & ((1ULL << 55) - 1);
	}
}

static inline void view_unmap(struct page_view *v)
{
	munmap(v->addr, v->npages * GB_PAGE);
}

/* Folio reference counts of the view's pages; the PFNs must not move. */
static inline void view_refs(struct page_view *v, long *refs)
{
	size_t i;

	for (i = 0; i < v->npages; i++) {
		uint64_t e = read_u64_at("/proc/self/pagemap",
					 ((uintptr_t)v->addr >> 12) + i);

		if ((e & ((1ULL << 55) - 1)) != v->pfn[i])
			DIE("page %zu moved (PFN 0x%llx -> 0x%llx): readings not comparable",
			    i, (unsigned long long)v->pfn[i],
			    (unsigned long long)(e & ((1ULL << 55) - 1)));
		refs[i] = (long)read_u64_at(GB_FILEMAP_DBG "kpagerefs",
					    v->pfn[i]);
	}
}

/* /proc/kpageflags of page @i of the view. */
#define GB_KPF_COMPOUND_HEAD	15
#define GB_KPF_COMPOUND_TAIL	16
static inline uint64_t view_kpageflags(struct page_view *v, size_t i)
{
	return read_u64_at("/proc/kpageflags", v->pfn[i]);
}

/*
 * Wait (up to 5 s: sockets free their buffers from softirq or another CPU)
 * until every page's reference count is @base[i] + @delta[i] (delta NULL:
 * + 0); returns 1 if so, else 0 with @now holding the last reading.
 */
static inline int view_wait_refs(struct page_view *v, const long *base,
				 const long *delta, long *now)
{
	int t, ok = 0;
	size_t i;

	for (t = 0; t < 100 && !ok; t++) {
		if (t)
			usleep(50000);
		view_refs(v, now);
		ok = 1;
		for (i = 0; i < v->npages; i++)
			if (now[i] != base[i] + (delta ? delta[i] : 0))
				ok = 0;
	}
	return ok;
}

/* "r0 r1 ..." of @n counts minus @base for messages. */
static inline const char *refs_str(const long *refs, const long *base,
				   size_t n)
{
	static char s[4096];
	size_t i, o = 0;

	s[0] = 0;
	for (i = 0; i < n && o < sizeof(s) - 32; i++)
		o += snprintf(s + o, sizeof(s) - o, "%s%+ld", i ? " " : "",
			      refs[i] - (base ? base[i] : 0));
	return s;
}

/*
 * A TCP connection over 127.0.0.1: @snd_buf / @rcv_buf set SO_SNDBUF on
 * the sender and SO_RCVBUF on the receiver when non-zero (the kernel
 * doubles them); TCP_NODELAY on the sender.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
static inline void tcp_pair_sized(int *snd, int *rcv, int snd_buf, int rcv_buf)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	/*
	 * A received skb read on another CPU than the one that allocated it
	 * is freed on that CPU's next softirq (skb_attempt_defer_free): with
	 * that CPU idle, the page references its frags hold come back seconds
	 * later, after view_wait_refs() gave up (getbuf_tcp failed so once in
	 * the VM, +1 on each page of a 16 KiB send 5 s after the read). The
	 * tests count references, so skbs are freed where they are read. A
	 * kernel without the sysctl frees them there anyway.
	 */
	write_sysctl("/proc/sys/net/core/skb_defer_max", 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (rcv_buf)	/* inherited by the accepted socket, set before the handshake */
		setsockopt(l, SOL_SOCKET, SO_RCVBUF, &rcv_buf, sizeof(rcv_buf));
	if (l < 0 || bind(l, (void *)&a, sizeof(a)) || listen(l, 4) ||
	    getsockname(l, (void *)&a, &alen))
		DIE("listen");
	*snd = socket(AF_INET, SOCK_STREAM, 0);
	if (snd_buf)
		setsockopt(*snd, SOL_SOCKET, SO_SNDBUF, &snd_buf, sizeof(snd_buf));
	if (connect(*snd, (void *)&a, sizeof(a)))
		DIE("connect");
	*rcv = accept(l, NULL, NULL);
	if (*rcv < 0)
		DIE("accept");
	setsockopt(*snd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	close(l);
}

/* Reap a SEND_ZC's CQEs: the result (F_MORE), then the notification. */
static inline void reap_send_zc(struct ring *r, int *res, int *notif_res)
{
	struct io_uring_cqe c;
	int n = 0;

	*res = *notif_res = -1;
	while (n < 2) {
		ring_cqe(r, &c);
		if (c.flags & IORING_CQE_F_NOTIF) {
			*notif_res = c.res;
			n++;
		} else {
			*res = c.res;
			n++;
			if (!(c.flags & IORING_CQE_F_MORE))
				n++;	/* failed send: no notification */
		}
	}
}

#endif /* GB_SELFTEST_H */
