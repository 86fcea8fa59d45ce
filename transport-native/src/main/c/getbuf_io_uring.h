/* SPDX-License-Identifier: Apache-2.0 */
/*
 * getbuf's own io_uring uapi header.
 *
 * The ABI (struct layouts, constants) is that of Linux 6.12's
 * include/uapi/linux/io_uring.h, written out here for what getbuf uses, plus the
 * out-of-tree IORING_OP_GET_BUF that the project's kernel patch (kernel/patches)
 * adds. It does not depend on the system's <linux/io_uring.h>, so the transport
 * and the kernel selftests build the same on any host.
 */
#ifndef GETBUF_IO_URING_H
#define GETBUF_IO_URING_H

#include <linux/types.h>

struct io_uring_sqe {
	__u8	opcode;
	__u8	flags;		/* IOSQE_* */
	__u16	ioprio;		/* also the send/recv/accept modifier flags */
	__s32	fd;
	union {
		__u64	off;
		__u64	addr2;
		struct {
			__u32	cmd_op;
			__u32	__pad1;
		};
	};
	union {
		__u64	addr;
		__u64	splice_off_in;
		struct {
			__u32	level;
			__u32	optname;
		};
	};
	__u32	len;
	union {
		__u32	rw_flags;
		__u32	poll32_events;
		__u32	msg_flags;
		__u32	timeout_flags;
		__u32	accept_flags;
		__u32	cancel_flags;
		__u32	splice_flags;
		__u32	uring_cmd_flags;
		__u32	nop_flags;
	};
	__u64	user_data;
	union {
		__u16	buf_index;
		__u16	buf_group;
	} __attribute__((packed));
	__u16	personality;
	union {
		__s32	splice_fd_in;
		__u32	file_index;
		__u32	optlen;
		struct {
			__u16	addr_len;
			__u16	__pad3[1];
		};
	};
	union {
		struct {
			__u64	addr3;
			__u64	__pad2[1];
		};
		__u64	optval;
	};
};

struct io_uring_cqe {
	__u64	user_data;
	__s32	res;
	__u32	flags;
};

/* sqe->flags */
#define IOSQE_FIXED_FILE	(1U << 0)
#define IOSQE_IO_DRAIN		(1U << 1)
#define IOSQE_IO_LINK		(1U << 2)
#define IOSQE_IO_HARDLINK	(1U << 3)
#define IOSQE_ASYNC		(1U << 4)
#define IOSQE_BUFFER_SELECT	(1U << 5)
#define IOSQE_CQE_SKIP_SUCCESS	(1U << 6)

/* io_uring_setup() flags */
#define IORING_SETUP_IOPOLL		(1U << 0)
#define IORING_SETUP_SQPOLL		(1U << 1)
#define IORING_SETUP_SQ_AFF		(1U << 2)
#define IORING_SETUP_CQSIZE		(1U << 3)
#define IORING_SETUP_CLAMP		(1U << 4)
#define IORING_SETUP_ATTACH_WQ		(1U << 5)
#define IORING_SETUP_R_DISABLED		(1U << 6)
#define IORING_SETUP_SUBMIT_ALL		(1U << 7)
#define IORING_SETUP_COOP_TASKRUN	(1U << 8)
#define IORING_SETUP_TASKRUN_FLAG	(1U << 9)
#define IORING_SETUP_SQE128		(1U << 10)
#define IORING_SETUP_CQE32		(1U << 11)
#define IORING_SETUP_SINGLE_ISSUER	(1U << 12)
#define IORING_SETUP_DEFER_TASKRUN	(1U << 13)
#define IORING_SETUP_NO_MMAP		(1U << 14)
#define IORING_SETUP_REGISTERED_FD_ONLY	(1U << 15)
#define IORING_SETUP_NO_SQARRAY		(1U << 16)

enum io_uring_op {
	IORING_OP_NOP = 0,
	IORING_OP_READV = 1,
	IORING_OP_WRITEV = 2,
	IORING_OP_FSYNC = 3,
	IORING_OP_READ_FIXED = 4,
	IORING_OP_WRITE_FIXED = 5,
	IORING_OP_POLL_ADD = 6,
	IORING_OP_POLL_REMOVE = 7,
	IORING_OP_SYNC_FILE_RANGE = 8,
	IORING_OP_SENDMSG = 9,
	IORING_OP_RECVMSG = 10,
	IORING_OP_TIMEOUT = 11,
	IORING_OP_TIMEOUT_REMOVE = 12,
	IORING_OP_ACCEPT = 13,
	IORING_OP_ASYNC_CANCEL = 14,
	IORING_OP_LINK_TIMEOUT = 15,
	IORING_OP_CONNECT = 16,
	IORING_OP_FALLOCATE = 17,
	IORING_OP_OPENAT = 18,
	IORING_OP_CLOSE = 19,
	IORING_OP_FILES_UPDATE = 20,
	IORING_OP_STATX = 21,
	IORING_OP_READ = 22,
	IORING_OP_WRITE = 23,
	IORING_OP_FADVISE = 24,
	IORING_OP_MADVISE = 25,
	IORING_OP_SEND = 26,
	IORING_OP_RECV = 27,
	IORING_OP_OPENAT2 = 28,
	IORING_OP_EPOLL_CTL = 29,
	IORING_OP_SPLICE = 30,
	IORING_OP_PROVIDE_BUFFERS = 31,
	IORING_OP_REMOVE_BUFFERS = 32,
	IORING_OP_TEE = 33,
	IORING_OP_SHUTDOWN = 34,
	IORING_OP_RENAMEAT = 35,
	IORING_OP_UNLINKAT = 36,
	IORING_OP_MKDIRAT = 37,
	IORING_OP_SYMLINKAT = 38,
	IORING_OP_LINKAT = 39,
	IORING_OP_MSG_RING = 40,
	IORING_OP_FSETXATTR = 41,
	IORING_OP_SETXATTR = 42,
	IORING_OP_FGETXATTR = 43,
	IORING_OP_GETXATTR = 44,
	IORING_OP_SOCKET = 45,
	IORING_OP_URING_CMD = 46,
	IORING_OP_SEND_ZC = 47,
	IORING_OP_SENDMSG_ZC = 48,
	IORING_OP_READ_MULTISHOT = 49,
	IORING_OP_WAITID = 50,
	IORING_OP_FUTEX_WAIT = 51,
	IORING_OP_FUTEX_WAKE = 52,
	IORING_OP_FUTEX_WAITV = 53,
	IORING_OP_FIXED_FD_INSTALL = 54,
	IORING_OP_FTRUNCATE = 55,
	IORING_OP_BIND = 56,
	IORING_OP_LISTEN = 57,
	/* Last opcode of mainline 6.12; 58..64 are taken by later mainline kernels. */
	IORING_OP_LAST_MAINLINE_6_12 = 58,
};

/*
 * IORING_OP_GET_BUF (out of tree, see kernel/patches).
 *
 * Opcode number. 120 is far above every mainline opcode (6.12 ends at LISTEN = 57,
 * later kernels use 58..64), so IORING_REGISTER_PROBE on a mainline kernel reports
 * it as unsupported instead of reporting some other operation that happens to share
 * the number; and below 127, because user space may keep the probe's ops_len in a
 * signed byte (Netty 4.2's io_uring transport does, and cannot start past 126).
 * On the patched kernel IORING_OP_LAST is 121 and probe->last_op 120; opcodes
 * 58..119 are reported unsupported and fail (-EOPNOTSUPP) if submitted.
 * A probe proves the opcode exists, not that a given file can provide buffers.
 *
 * What it does. Asks the file at sqe->fd for a buffer holding its data and installs
 * that buffer into the ring's registered-buffer table at slot sqe->buf_index.
 *   fd        source file (IOSQE_FIXED_FILE allowed), open for reading
 *   off       file offset (any alignment)
 *   len       bytes wanted, 1 .. 1 GiB
 *   buf_index slot; must exist and be empty
 *   addr, addr3, rw_flags, splice_fd_in, ioprio must be 0 (else -EINVAL)
 * cqe->res is the number of bytes installed: len, fewer at end of file, 0 at or
 * past end of file (then nothing is installed and the slot stays empty). A result
 * shorter than len fails the request for links (linked requests get -ECANCELED),
 * as a short read does; the CQE still carries the byte count. Errors:
 *   -EINVAL      a reserved field set, len 0 or > 1 GiB, off + len overflows, or the
 *                provider rejects the range (/dev/null: off != 0)
 *   -EFAULT      buf_index outside the table, or no table registered
 *   -EBUSY       the slot holds a buffer (user-registered or an earlier GET_BUF);
 *                the slot is checked before the file is asked for anything
 *   -EOPNOTSUPP  the file has no provider: pipes, sockets, eventfd, directories,
 *                overlayfs, 9p without a page cache (cache=none), DAX; and any file
 *                opened with O_DIRECT (its reads bypass the page cache)
 *   -EBADF       the file is not open for reading
 *   -EIO         the first page of the range is hardware-poisoned (a poisoned page
 *                later in the range ends the buffer short before it, as read(2))
 *   -ENOMEM      also when the ring's locked-memory limit (RLIMIT_MEMLOCK, as for
 *                registered buffers, without CAP_IPC_LOCK) would be exceeded
 *   -ENOBUFS     the ring's table would hold more than kernel.io_uring_get_buf_max_mb
 *                MiB of lent pages (default 256, whoever owns the ring): empty slots
 * Charge: a buffer is charged for every folio it lends from, whole (a large folio
 * stays in memory while any page of it is lent), and nothing for holes (the zero
 * page), in RLIMIT_MEMLOCK and in the owner's VmPin, until its slot is emptied and
 * the requests using it are done (whatever else is pending on the ring).
 * Reading a file this way updates its atime and is reported as an inotify IN_ACCESS.
 * The request first runs non-blocking; if the data is not in memory yet (a page not
 * cached, a tmpfs hole, swapped out) it is retried from io-wq, which reads it in.
 *
 * Using the buffer. Its address space starts at 0: WRITE_FIXED / SEND_ZC address it
 * with addr = 0 .. res-1 and buf_index = the slot. Fixed buffers are looked up when
 * the consumer is issued, not when it is prepared, so GET_BUF can be linked
 * (IOSQE_IO_LINK) to its consumer in the same submission. The buffer is
 * SOURCE-ONLY: the pages are the file's. READ_FIXED into it fails with -EFAULT
 * (nothing is written), RECV into a fixed buffer does not exist on 6.12 (-EINVAL),
 * and WRITE_FIXED to a file that only has ->write (no ->write_iter) fails with
 * -EFAULT.
 *
 * Copy-free send to a socket. SEND_ZC with IORING_RECVSEND_FIXED_BUF from a GET_BUF
 * slot does not use the zerocopy-notification machinery: the socket takes its own
 * references on the buffer's pages (MSG_SPLICE_PAGES, as splice/sendfile do), so
 * nothing is copied on a real NIC nor on loopback (where a zerocopy skb from a user
 * buffer is copied on local delivery, IORING_NOTIF_USAGE_ZC_COPIED). The completion
 * protocol is unchanged (a CQE with IORING_CQE_F_MORE, then the IORING_CQE_F_NOTIF
 * one, posted right away); but the slot may be emptied as soon as the first CQE
 * arrives. With IORING_SEND_ZC_REPORT_USAGE the notification reports "not copied"
 * unless TCP had to copy because the route has no scatter/gather. WRITE_FIXED to a
 * socket works but copies, as for any fixed buffer.
 *
 * Content. Page-cache buffers (tmpfs/shmem, ext4, 9p with cache=loose/mmap) hold one
 * reference on each folio of the range, taken at GET_BUF time:
 *   - data written to the file in place afterwards shows through the buffer;
 *   - after a truncation the buffer keeps its pages and length, and the bytes past
 *     the new size read as their old data or as zeroes: what the truncation drops
 *     from the page cache keeps its data, what stays in it is zeroed in place, which
 *     is the rest of the page holding the new end for small folios and the rest of
 *     the whole folio for a large one (tmpfs huge=always: up to 2 MiB of zeroes); a
 *     page later re-created (written after truncation, hole punched) is a new page
 *     the buffer does not see. Never other memory, never a crash.
 * /dev/null is a test provider: offset 0 only, never short, fresh pages where byte i
 * is (uint8_t)(i + i / 4096).
 *
 * Release. Every way a slot is emptied hands the buffer back to the file exactly
 * once, when the last request using it has finished: IORING_REGISTER_BUFFERS_UPDATE
 * (to empty or with a replacement), IORING_UNREGISTER_BUFFERS, closing the ring, the
 * process exiting. For tests, /sys/kernel/debug/getbuf-filemap/{gets,releases,pages}
 * and /sys/kernel/debug/getbuf-null/{gets,releases,pages} count buffers handed out,
 * buffers released and pages held by the two providers.
 */
#define IORING_OP_GET_BUF	120

/* sqe->fsync_flags etc. */
#define IORING_FSYNC_DATASYNC		(1U << 0)

/* sqe->timeout_flags */
#define IORING_TIMEOUT_ABS		(1U << 0)
#define IORING_TIMEOUT_UPDATE		(1U << 1)
#define IORING_TIMEOUT_BOOTTIME		(1U << 2)
#define IORING_TIMEOUT_REALTIME		(1U << 3)
#define IORING_LINK_TIMEOUT_UPDATE	(1U << 4)
#define IORING_TIMEOUT_ETIME_SUCCESS	(1U << 5)
#define IORING_TIMEOUT_MULTISHOT	(1U << 6)

/* sqe->splice_flags */
#define SPLICE_F_FD_IN_FIXED	(1U << 31)

/* sqe->len of POLL_ADD */
#define IORING_POLL_ADD_MULTI		(1U << 0)
#define IORING_POLL_UPDATE_EVENTS	(1U << 1)
#define IORING_POLL_UPDATE_USER_DATA	(1U << 2)
#define IORING_POLL_ADD_LEVEL		(1U << 3)

/* sqe->cancel_flags */
#define IORING_ASYNC_CANCEL_ALL		(1U << 0)
#define IORING_ASYNC_CANCEL_FD		(1U << 1)
#define IORING_ASYNC_CANCEL_ANY		(1U << 2)
#define IORING_ASYNC_CANCEL_FD_FIXED	(1U << 3)
#define IORING_ASYNC_CANCEL_USERDATA	(1U << 4)
#define IORING_ASYNC_CANCEL_OP		(1U << 5)

/* sqe->ioprio of send/recv */
#define IORING_RECVSEND_POLL_FIRST	(1U << 0)
#define IORING_RECV_MULTISHOT		(1U << 1)
#define IORING_RECVSEND_FIXED_BUF	(1U << 2)
#define IORING_SEND_ZC_REPORT_USAGE	(1U << 3)
#define IORING_RECVSEND_BUNDLE		(1U << 4)

/* cqe->res of a SEND_ZC notification with IORING_SEND_ZC_REPORT_USAGE */
#define IORING_NOTIF_USAGE_ZC_COPIED	(1U << 31)

/* sqe->ioprio of accept */
#define IORING_ACCEPT_MULTISHOT		(1U << 0)
#define IORING_ACCEPT_DONTWAIT		(1U << 1)
#define IORING_ACCEPT_POLL_FIRST	(1U << 2)

/* cqe->flags */
#define IORING_CQE_F_BUFFER		(1U << 0)
#define IORING_CQE_F_MORE		(1U << 1)
#define IORING_CQE_F_SOCK_NONEMPTY	(1U << 2)
#define IORING_CQE_F_NOTIF		(1U << 3)
#define IORING_CQE_F_BUF_MORE		(1U << 4)
#define IORING_CQE_BUFFER_SHIFT		16

/* mmap offsets */
#define IORING_OFF_SQ_RING		0ULL
#define IORING_OFF_CQ_RING		0x8000000ULL
#define IORING_OFF_SQES			0x10000000ULL
#define IORING_OFF_PBUF_RING		0x80000000ULL
#define IORING_OFF_PBUF_SHIFT		16

struct io_sqring_offsets {
	__u32 head;
	__u32 tail;
	__u32 ring_mask;
	__u32 ring_entries;
	__u32 flags;
	__u32 dropped;
	__u32 array;
	__u32 resv1;
	__u64 user_addr;
};

/* sq_ring->flags */
#define IORING_SQ_NEED_WAKEUP		(1U << 0)
#define IORING_SQ_CQ_OVERFLOW		(1U << 1)
#define IORING_SQ_TASKRUN		(1U << 2)

struct io_cqring_offsets {
	__u32 head;
	__u32 tail;
	__u32 ring_mask;
	__u32 ring_entries;
	__u32 overflow;
	__u32 cqes;
	__u32 flags;
	__u32 resv1;
	__u64 user_addr;
};

/* cq_ring->flags */
#define IORING_CQ_EVENTFD_DISABLED	(1U << 0)

/* io_uring_enter() flags */
#define IORING_ENTER_GETEVENTS		(1U << 0)
#define IORING_ENTER_SQ_WAKEUP		(1U << 1)
#define IORING_ENTER_SQ_WAIT		(1U << 2)
#define IORING_ENTER_EXT_ARG		(1U << 3)
#define IORING_ENTER_REGISTERED_RING	(1U << 4)

struct io_uring_params {
	__u32 sq_entries;
	__u32 cq_entries;
	__u32 flags;
	__u32 sq_thread_cpu;
	__u32 sq_thread_idle;
	__u32 features;
	__u32 wq_fd;
	__u32 resv[3];
	struct io_sqring_offsets sq_off;
	struct io_cqring_offsets cq_off;
};

/* io_uring_params->features */
#define IORING_FEAT_SINGLE_MMAP		(1U << 0)
#define IORING_FEAT_NODROP		(1U << 1)
#define IORING_FEAT_SUBMIT_STABLE	(1U << 2)
#define IORING_FEAT_RW_CUR_POS		(1U << 3)
#define IORING_FEAT_CUR_PERSONALITY	(1U << 4)
#define IORING_FEAT_FAST_POLL		(1U << 5)
#define IORING_FEAT_POLL_32BITS		(1U << 6)
#define IORING_FEAT_SQPOLL_NONFIXED	(1U << 7)
#define IORING_FEAT_EXT_ARG		(1U << 8)
#define IORING_FEAT_NATIVE_WORKERS	(1U << 9)
#define IORING_FEAT_RSRC_TAGS		(1U << 10)
#define IORING_FEAT_CQE_SKIP		(1U << 11)
#define IORING_FEAT_LINKED_FILE		(1U << 12)
#define IORING_FEAT_REG_REG_RING	(1U << 13)
#define IORING_FEAT_RECVSEND_BUNDLE	(1U << 14)
#define IORING_FEAT_MIN_TIMEOUT		(1U << 15)

/* io_uring_register() opcodes */
enum io_uring_register_op {
	IORING_REGISTER_BUFFERS = 0,
	IORING_UNREGISTER_BUFFERS = 1,
	IORING_REGISTER_FILES = 2,
	IORING_UNREGISTER_FILES = 3,
	IORING_REGISTER_EVENTFD = 4,
	IORING_UNREGISTER_EVENTFD = 5,
	IORING_REGISTER_FILES_UPDATE = 6,
	IORING_REGISTER_EVENTFD_ASYNC = 7,
	IORING_REGISTER_PROBE = 8,
	IORING_REGISTER_PERSONALITY = 9,
	IORING_UNREGISTER_PERSONALITY = 10,
	IORING_REGISTER_RESTRICTIONS = 11,
	IORING_REGISTER_ENABLE_RINGS = 12,
	IORING_REGISTER_FILES2 = 13,
	IORING_REGISTER_FILES_UPDATE2 = 14,
	IORING_REGISTER_BUFFERS2 = 15,
	IORING_REGISTER_BUFFERS_UPDATE = 16,
	IORING_REGISTER_IOWQ_AFF = 17,
	IORING_UNREGISTER_IOWQ_AFF = 18,
	IORING_REGISTER_IOWQ_MAX_WORKERS = 19,
	IORING_REGISTER_RING_FDS = 20,
	IORING_UNREGISTER_RING_FDS = 21,
	IORING_REGISTER_PBUF_RING = 22,
	IORING_UNREGISTER_PBUF_RING = 23,
	IORING_REGISTER_SYNC_CANCEL = 24,
	IORING_REGISTER_FILE_ALLOC_RANGE = 25,
	IORING_REGISTER_PBUF_STATUS = 26,
	IORING_REGISTER_NAPI = 27,
	IORING_UNREGISTER_NAPI = 28,
	IORING_REGISTER_CLOCK = 29,
	IORING_REGISTER_CLONE_BUFFERS = 30,
	IORING_REGISTER_USE_REGISTERED_RING = 1U << 31,
};

#define IORING_RSRC_REGISTER_SPARSE	(1U << 0)

struct io_uring_rsrc_register {
	__u32 nr;
	__u32 flags;
	__u64 resv2;
	__aligned_u64 data;
	__aligned_u64 tags;
};

struct io_uring_rsrc_update2 {
	__u32 offset;
	__u32 resv;
	__aligned_u64 data;
	__aligned_u64 tags;
	__u32 nr;
	__u32 resv2;
};

#define IO_URING_OP_SUPPORTED	(1U << 0)

struct io_uring_probe_op {
	__u8 op;
	__u8 resv;
	__u16 flags;	/* IO_URING_OP_* */
	__u32 resv2;
};

struct io_uring_probe {
	__u8 last_op;	/* last opcode supported */
	__u8 ops_len;	/* length of ops[] array below */
	__u16 resv;
	__u32 resv2[3];
	struct io_uring_probe_op ops[];
};

struct io_uring_buf {
	__u64	addr;
	__u32	len;
	__u16	bid;
	__u16	resv;
};

/* A provided-buffer ring is an array of io_uring_buf; its tail overlays bufs[0].resv. */
struct io_uring_buf_ring {
	union {
		struct {
			__u64	resv1;
			__u32	resv2;
			__u16	resv3;
			__u16	tail;
		};
		struct {
			struct io_uring_buf	bufs[0];
		};
	};
};

/* io_uring_buf_reg->flags */
#define IOU_PBUF_RING_MMAP	1
#define IOU_PBUF_RING_INC	2

struct io_uring_buf_reg {
	__u64	ring_addr;
	__u32	ring_entries;
	__u16	bgid;
	__u16	flags;
	__u64	resv[3];
};

struct io_uring_getevents_arg {
	__u64	sigmask;
	__u32	sigmask_sz;
	__u32	min_wait_usec;
	__u64	ts;
};

#endif /* GETBUF_IO_URING_H */
