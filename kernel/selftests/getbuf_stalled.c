// SPDX-License-Identifier: Apache-2.0
/*
 * A request that never finishes must not keep other connections' GET_BUF
 * buffers from going back to the file. A server holds one such request for
 * as long as a peer is idle or slow: a RECV on a fixed file waiting for data,
 * a SEND_ZC to a peer that does not read.
 *
 * An unprivileged user (RLIMIT_MEMLOCK 1 MiB, 256 pages) keeps a RECV
 * pending on connection A (a fixed file: it holds the ring's resource node of
 * its time), then runs 10,000 cycles on connection B: GET_BUF of 64 KiB from
 * a tmpfs file linked to a SEND_ZC of it, the peer reads the 64 KiB, the slot
 * is emptied. Every GET_BUF must succeed (the pages of an emptied slot are
 * uncharged once the send is done with them), the bytes arrive exactly, and
 * after the last cycle the ring holds nothing charged (VmPin 0) while the RECV
 * is still pending. Needs no debugfs.
 */
#include "gb.h"
#include <sys/wait.h>

#define LEN	(64 * 1024)
#define CYCLES	10000

static unsigned char want[LEN], got[LEN];

static int child(const char *path)
{
	int a_snd, a_rcv, b_snd, b_rcv, fd, i, files[1], res, nres, failed_at = -1;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe cqe;
	long pin, pin_max = 0;
	struct ring r;

	tcp_pair_sized(&a_snd, &a_rcv, 0, 0);
	tcp_pair_sized(&b_snd, &b_rcv, 0, 0);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		DIE("open %s", path);
	become_unprivileged(1 << 20);
	ring_init_or_die(&r, 16);
	CHECK_EQ(reg_sparse_bufs(&r, 2), 0, "sparse table of 2 slots");
	files[0] = a_rcv;
	CHECK_EQ(sys_register(r.fd, IORING_REGISTER_FILES, files, 1), 0,
		 "connection A's socket as fixed file 0");

	/* the request that never finishes: A's peer never sends */
	sqe = ring_sqe(&r);
	sqe->opcode = IORING_OP_RECV;
	sqe->fd = 0;
	sqe->flags = IOSQE_FIXED_FILE;
	sqe->addr = (uintptr_t)got;
	sqe->len = 1;
	sqe->user_data = 42;
	CHECK_EQ(ring_submit(&r, 0), 1, "RECV on connection A pending");

	for (i = 0; i < CYCLES; i++) {
		int n = 0, ok = 1;

		sqe = ring_sqe(&r);
		sqe_get_buf(sqe, fd, 0, LEN, 1);
		sqe->flags = IOSQE_IO_LINK;
		sqe->user_data = 1;
		sqe_send_zc_fixed(ring_sqe(&r), b_snd, 0, LEN, 1, 0);
		r.sqes[(*r.sq_tail + r.pending - 1) & *r.sq_mask].user_data = 2;
		if (ring_submit(&r, 0) < 0)
			DIE("submit");
		/* GET_BUF, the send, its notification (none if it failed) */
		res = nres = 0;
		while (n < 3) {
			ring_cqe(&r, &cqe);
			if (cqe.user_data == 1) {
				if (cqe.res != LEN) {
					ok = 0;
					if (failed_at < 0) {
						failed_at = i;
						res = cqe.res;
					}
				}
				n++;
			} else if (cqe.user_data == 2) {
				if (cqe.flags & IORING_CQE_F_NOTIF) {
					n++;
				} else {
					nres = cqe.res;
					n++;
					if (!(cqe.flags & IORING_CQE_F_MORE))
						n++;
				}
			} else {
				DIE("unexpected CQE %llu res %d",
				    (unsigned long long)cqe.user_data, cqe.res);
			}
		}
		if (ok && nres == LEN) {
			if (read_full(b_rcv, got, LEN))
				DIE("recv B");
			if (i % 1000 == 0 && memcmp(got, want, LEN))
				CHECK(0, "cycle %d: B received the file's 64 KiB", i);
		}
		pin = status_kb("VmPin");
		if (pin > pin_max)
			pin_max = pin;
		buf_empty(&r, 1);
		if (!ok) {
			printf("cycle %d: GET_BUF returned %d (%s), send %d; VmPin %ld kB\n",
			       i, res, res < 0 ? strerror(-res) : "short", nres, pin);
			break;
		}
	}
	CHECK(failed_at < 0, "%d GET_BUF -> SEND_ZC -> empty cycles on B with a RECV pending on A%s",
	      i, failed_at < 0 ? "" : ": GET_BUF failed");
	pin = status_kb("VmPin");
	CHECK(pin == 0, "nothing charged after the last cycle with A's RECV still pending: VmPin %ld kB (peak %ld kB)",
	      pin, pin_max);
	CHECK(pin_max <= LEN / 1024,
	      "at most one buffer charged at a time: VmPin peak %ld kB", pin_max);
	/* the RECV is still there: complete it */
	if (write(a_snd, "x", 1) != 1)
		DIE("write A");
	ring_cqe(&r, &cqe);
	CHECK(cqe.user_data == 42 && cqe.res == 1,
	      "A's RECV was pending all along and completes now (res %d)", cqe.res);
	return gb_done();
}

int main(void)
{
	const char *path = "/dev/shm/getbuf-stalled-test";
	struct ring probe;
	int st, fd;
	pid_t pid;

	ring_init_or_die(&probe, 4);
	require_getbuf_op(&probe);
	close(probe.fd);
	fd = make_file(path, LEN, 5);
	fill_pattern(want, 0, LEN, 5);
	close(fd);
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(child(path));
	waitpid(pid, &st, 0);
	unlink(path);
	if (!WIFEXITED(st)) {
		printf("FAIL: child died (status 0x%x)\n", st);
		return 1;
	}
	return WEXITSTATUS(st);
}
