/* SPDX-License-Identifier: Apache-2.0 */
/* Thin wrappers over the io_uring syscalls: each returns its result or -errno. */
#ifndef GETBUF_RING_H
#define GETBUF_RING_H

#include <stddef.h>
#include <stdint.h>
#include "getbuf_io_uring.h"

int getbuf_ring_setup(unsigned int entries, struct io_uring_params *params);
int getbuf_ring_enter(int ring_fd, unsigned int to_submit, unsigned int min_complete,
		      unsigned int flags, const void *arg, size_t arg_size);
int getbuf_ring_register(int ring_fd, unsigned int opcode, const void *arg,
			 unsigned int nr_args);
long getbuf_mmap_shared(int fd, size_t length, uint64_t offset);
/* page-aligned zeroed memory, as provided-buffer rings require */
long getbuf_mmap_anonymous(size_t length);
int getbuf_munmap(void *addr, size_t length);

#endif /* GETBUF_RING_H */
