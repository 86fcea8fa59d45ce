/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "getbuf_ring.h"

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_io_uring_enter
#define __NR_io_uring_enter 426
#endif
#ifndef __NR_io_uring_register
#define __NR_io_uring_register 427
#endif

_Static_assert(sizeof(struct io_uring_sqe) == 64, "io_uring_sqe is 64 bytes");
_Static_assert(sizeof(struct io_uring_cqe) == 16, "io_uring_cqe is 16 bytes");
_Static_assert(sizeof(struct io_uring_params) == 120, "io_uring_params is 120 bytes");

static int result_or_errno(long ret)
{
	return ret < 0 ? -errno : (int) ret;
}

int getbuf_ring_setup(unsigned int entries, struct io_uring_params *params)
{
	return result_or_errno(syscall(__NR_io_uring_setup, entries, params));
}

int getbuf_ring_enter(int ring_fd, unsigned int to_submit, unsigned int min_complete,
		      unsigned int flags, const void *arg, size_t arg_size)
{
	long ret;

	/* EINTR is not an error for the event loop: it simply looks at the CQ again. */
	ret = syscall(__NR_io_uring_enter, ring_fd, to_submit, min_complete, flags, arg,
		      arg_size);
	return result_or_errno(ret);
}

int getbuf_ring_register(int ring_fd, unsigned int opcode, const void *arg,
			 unsigned int nr_args)
{
	return result_or_errno(syscall(__NR_io_uring_register, ring_fd, opcode, arg, nr_args));
}

long getbuf_mmap_shared(int fd, size_t length, uint64_t offset)
{
	void *addr = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
			  (off_t) offset);

	return addr == MAP_FAILED ? -errno : (long) addr;
}

long getbuf_mmap_anonymous(size_t length)
{
	void *addr = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (addr == MAP_FAILED)
		return -errno;
	/*
	 * Never transparent huge pages (THP "always"): this memory is registered as fixed buffers (the READ_FIXED
	 * file chunks), and in a huge page a fixed buffer is one bio_vec per folio, whose offset counts from the
	 * folio's first byte. A SEND_ZC from it charges each skb PAGE_ALIGN(offset + len) (io_sg_from_iter): 24 KiB
	 * sent from a chunk 1.5 MiB into its 2 MiB page weigh 1.5 MiB. A receiver on this host gets that skb as it
	 * is (loopback), takes len/truesize for its scaling ratio, and clamps its window to a few hundred bytes
	 * (tcp_measure_rcv_mss, 6.12); the window is never re-measured, since the sender now only sends segments that
	 * small: the connection crawls on zero-window probes. With 4 KiB pages the charge is the pages sent.
	 * Advice only: without THP it fails (EINVAL) and nothing changes.
	 */
	(void) madvise(addr, length, MADV_NOHUGEPAGE);
	return (long) addr;
}

int getbuf_munmap(void *addr, size_t length)
{
	return munmap(addr, length) < 0 ? -errno : 0;
}
