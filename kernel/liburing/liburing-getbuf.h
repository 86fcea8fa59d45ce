/* SPDX-License-Identifier: MIT */
/*
 * IORING_OP_GET_BUF for liburing users: io_uring_prep_get_buf() and
 * io_uring_get_buf_supported(), in liburing's style, for kernels with the
 * getbuf project's GET_BUF series (kernel/patches). See
 * io_uring_prep_get_buf(3) (kernel/liburing/io_uring_prep_get_buf.3).
 *
 * GET_BUF asks a file for a buffer holding its data at an offset and installs
 * that buffer, the file's own page cache pages, into the ring's table of
 * registered buffers at an empty slot. The slot is then used like any fixed
 * buffer by requests that read from one (IORING_OP_WRITE_FIXED,
 * IORING_OP_SEND_ZC with IORING_RECVSEND_FIXED_BUF), at addresses 0..res-1;
 * emptying the slot (io_uring_register_buffers_update_tag() with a NULL
 * iov_base) gives the pages back.
 */
#ifndef LIBURING_GETBUF_H
#define LIBURING_GETBUF_H

#include <liburing.h>

#ifndef IORING_OP_GET_BUF
/* out of tree: far above mainline's opcodes, below 127 */
#define IORING_OP_GET_BUF	120
#endif

/*
 * Prepare a GET_BUF of @nbytes of @fd at @offset into registered-buffer slot
 * @buf_index (which must be empty). With IOSQE_FIXED_FILE, @fd is an index
 * into the registered files. The CQE's res is the number of bytes installed
 * (fewer at end of file, 0 at or past it: the slot stays empty) or -errno.
 */
static inline void io_uring_prep_get_buf(struct io_uring_sqe *sqe, int fd,
					 unsigned int nbytes, __u64 offset,
					 int buf_index)
{
	io_uring_prep_rw(IORING_OP_GET_BUF, sqe, fd, NULL, nbytes, offset);
	sqe->buf_index = (__u16) buf_index;
}

/*
 * 1 if the ring's kernel has IORING_OP_GET_BUF, 0 if not, -errno if the
 * probe failed. A supported opcode does not mean every file provides
 * buffers: one that does not fails the request with -EOPNOTSUPP.
 */
static inline int io_uring_get_buf_supported(struct io_uring *ring)
{
	struct io_uring_probe *p = io_uring_get_probe_ring(ring);
	int ret;

	if (!p)
		return -ENOMEM;
	ret = p->ops_len > IORING_OP_GET_BUF &&
	      (p->ops[IORING_OP_GET_BUF].flags & IO_URING_OP_SUPPORTED);
	io_uring_free_probe(p);
	return ret;
}

#endif
