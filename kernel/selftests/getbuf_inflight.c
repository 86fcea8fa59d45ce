// SPDX-License-Identifier: Apache-2.0
/*
 * Consumers of a GET_BUF buffer still in flight when its slot is emptied or
 * refilled, or when the ring is closed.
 *
 * 1. SEND_ZC of a buffer to a TCP connection whose queues are full: the send
 *    waits. The slot is emptied meanwhile: the buffer is not released and its
 *    pages stay referenced; once the receiver drains, the send completes with
 *    the buffer's bytes, the buffer is released once, references return.
 * 2. As 1, but after emptying, a different part of the file is GET_BUF'd into
 *    the same slot while the send waits: the send still carries the bytes of
 *    the buffer it was issued with.
 * 3. WRITE_FIXED of a buffer to a full pipe, the slot emptied and refilled
 *    meanwhile: the write carries the first buffer's bytes.
 * 4. The ring closed (and the process's last reference to it dropped) with a
 *    send and a write in flight: they never write the buffers' bytes, every
 *    buffer is released exactly once and no page reference is left.
 */
#include "gb.h"
#include <poll.h>

#define LEN (64 * 1024)
#define FSIZE (4 * LEN)
#define NPAGES (FSIZE / GB_PAGE)

static unsigned char got[LEN], want[LEN], junk[1 << 20];
static long base[NPAGES], now[NPAGES], delta[NPAGES];
static struct page_view v;

static int cq_ready(struct ring *r)
{
	return *r->cq_head != __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
}

/* Enter the kernel (runs task work) without waiting, a few times. */
static void nudge(struct ring *r)
{
	int i;

	for (i = 0; i < 5; i++) {
		sys_enter(r->fd, 0, 0, IORING_ENTER_GETEVENTS);
		usleep(40000);
	}
}

/* Write junk without blocking until @fd takes no more; returns the bytes. */
static size_t fill(int fd, int is_sock)
{
	size_t total = 0;
	int idle = 0;

	memset(junk, 'j', sizeof(junk));
	while (idle < 3) {
		ssize_t n = is_sock ? send(fd, junk, sizeof(junk), MSG_DONTWAIT) :
				      write(fd, junk, sizeof(junk));

		if (n > 0) {
			total += n;
			idle = 0;
		} else if (errno == EAGAIN) {
			idle++;	/* loopback may still move data: try again */
			usleep(50000);
		} else {
			DIE("fill");
		}
	}
	return total;
}

/* Read up to @len bytes, waiting at most 5 s for them to come. */
static ssize_t read_wait(int fd, unsigned char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 5000) != 1)
		return -1;
	return read(fd, buf, len);
}

/*
 * Read and check @junk_len junk bytes, then @len bytes of the file at @off;
 * 0 if they came and were right.
 */
static int drain(int fd, size_t junk_len, size_t off, size_t len)
{
	static unsigned char tmp[1 << 20];
	size_t left = junk_len, i, done = 0;

	while (left) {
		ssize_t n = read_wait(fd, tmp, left < sizeof(tmp) ? left : sizeof(tmp));

		if (n <= 0)
			return -1;
		for (i = 0; i < (size_t)n; i++)
			if (tmp[i] != 'j')
				return -2;
		left -= n;
	}
	while (done < len) {
		ssize_t n = read_wait(fd, got + done, len - done);

		if (n <= 0)
			return -3;	/* nothing more within 5 s */
		done += n;
	}
	fill_pattern(want, off, len, 21);
	return memcmp(got, want, len) ? -4 : 0;
}

static void expect_refs(const char *what, int lo_page, int npages, int d)
{
	int i;

	for (i = 0; i < NPAGES; i++)
		delta[i] = (i >= lo_page && i < lo_page + npages) ? d : 0;
	CHECK(view_wait_refs(&v, base, delta, now), "%s (%s)", what,
	      refs_str(now, base, NPAGES));
}

static struct gb_counters c0;

static void expect_released(long want_rel, const char *what)
{
	struct gb_counters c;
	int i;

	for (i = 0; i < 60; i++) {
		c = counters(GB_FILEMAP_DBG);
		if (c.releases - c0.releases >= want_rel)
			break;
		usleep(50000);
	}
	usleep(100000);
	c = counters(GB_FILEMAP_DBG);
	CHECK(c.releases - c0.releases == want_rel,
	      "%s: %ld buffer(s) released (want %ld)", what,
	      c.releases - c0.releases, want_rel);
}

/* Cases 1 and 2: @refill puts another buffer into the slot meanwhile. */
static void send_case(struct ring *r, int fd, int refill)
{
	struct io_uring_sqe *sqe;
	int snd, rcv, res, nres, rc;
	size_t junk_len;

	c0 = counters(GB_FILEMAP_DBG);
	tcp_pair_sized(&snd, &rcv, 16384, 16384);
	junk_len = fill(snd, 1);
	CHECK_EQ(get_buf(r, fd, LEN, LEN, 0), LEN, "GET_BUF 64 KiB at 64 KiB into slot 0");
	sqe = ring_sqe(r);
	sqe_send_zc_fixed(sqe, snd, 0, LEN, 0, 0);
	sqe->msg_flags = MSG_WAITALL;
	CHECK_EQ(ring_submit(r, 0), 1, "submit SEND_ZC from slot 0 to the full connection");
	nudge(r);
	CHECK(!cq_ready(r), "the send waits for room (no completion yet)");
	CHECK_EQ(buf_empty(r, 0), 1, "empty slot 0 while the send waits");
	if (refill) {
		CHECK_EQ(get_buf(r, fd, 2 * LEN, LEN, 0), LEN,
			 "GET_BUF other 64 KiB into slot 0 while the send waits");
		expect_refs("both buffers' pages referenced (the second by the slot)",
			    LEN / GB_PAGE, 2 * LEN / GB_PAGE, 1);
	} else {
		expect_refs("the waiting send keeps the emptied buffer's 16 pages referenced",
			    LEN / GB_PAGE, LEN / GB_PAGE, 1);
	}
	expect_released(0, "slot emptied, send waiting");
	rc = drain(rcv, junk_len, LEN, LEN);
	CHECK_EQ(rc, 0, "receiver: the junk, then exactly the first buffer's 64 KiB");
	if (rc == -3)
		DIE("the buffer's bytes never came");
	reap_send_zc(r, &res, &nres);
	CHECK_EQ(res, LEN, "the send completes with the whole first buffer");
	if (refill) {
		CHECK_EQ(buf_empty(r, 0), 1, "empty slot 0 (second buffer)");
		expect_released(2, "send done, both emptied");
	} else {
		expect_released(1, "send done");
	}
	close(snd);
	close(rcv);
	expect_refs("references back where they were", 0, 0, 0);
}

int main(void)
{
	const char *path = "/dev/shm/getbuf-inflight-test";
	struct io_uring_sqe *sqe;
	struct ring r;
	size_t junk_len, pjunk;
	int fd, pfd[2], snd, rcv, res, rc;

	ring_init_or_die(&r, 16);
	require_getbuf(&r);
	CHECK_EQ(reg_sparse_bufs(&r, 4), 0, "sparse table of 4 slots");
	fd = make_file(path, FSIZE, 21);
	view_map(&v, fd, 0, NPAGES);
	view_refs(&v, base);

	send_case(&r, fd, 0);
	send_case(&r, fd, 1);

	/* 3. WRITE_FIXED to a full pipe, slot emptied and refilled */
	c0 = counters(GB_FILEMAP_DBG);
	if (pipe2(pfd, O_NONBLOCK))
		DIE("pipe");
	fcntl(pfd[1], F_SETPIPE_SZ, 16 * GB_PAGE);
	fcntl(pfd[0], F_SETFL, 0);	/* the reader blocks */
	pjunk = fill(pfd[1], 0);
	CHECK_EQ(get_buf(&r, fd, 0, 8192, 1), 8192, "GET_BUF 8 KiB at 0 into slot 1");
	sqe_rw_fixed(ring_sqe(&r), IORING_OP_WRITE_FIXED, pfd[1], 0, 8192, 0, 1);
	CHECK_EQ(ring_submit(&r, 0), 1, "submit WRITE_FIXED from slot 1 to the full pipe");
	nudge(&r);
	CHECK(!cq_ready(&r), "the write waits for room");
	CHECK_EQ(buf_empty(&r, 1), 1, "empty slot 1 while the write waits");
	CHECK_EQ(get_buf(&r, fd, 3 * LEN, 8192, 1), 8192,
		 "GET_BUF other 8 KiB into slot 1 while the write waits");
	expect_released(0, "slot refilled, write waiting");
	rc = drain(pfd[0], pjunk, 0, 8192);
	CHECK_EQ(rc, 0, "reader: the junk, then exactly the first buffer's 8 KiB");
	if (rc == -3)
		DIE("the buffer's bytes never came");
	{
		struct io_uring_cqe c;

		ring_cqe(&r, &c);
		CHECK_EQ(c.res, 8192, "the write completes with the first buffer");
	}
	CHECK_EQ(buf_empty(&r, 1), 1, "empty slot 1 (second buffer)");
	expect_released(2, "write done, both emptied");
	close(pfd[0]);
	close(pfd[1]);
	expect_refs("references back where they were", 0, 0, 0);

	/* 4. the ring closed with a send and a write in flight */
	c0 = counters(GB_FILEMAP_DBG);
	tcp_pair_sized(&snd, &rcv, 16384, 16384);
	junk_len = fill(snd, 1);
	if (pipe2(pfd, O_NONBLOCK))
		DIE("pipe");
	fcntl(pfd[1], F_SETPIPE_SZ, 16 * GB_PAGE);
	pjunk = fill(pfd[1], 0);
	CHECK_EQ(get_buf(&r, fd, LEN, LEN, 2), LEN, "GET_BUF 64 KiB into slot 2");
	CHECK_EQ(get_buf(&r, fd, 0, 8192, 3), 8192, "GET_BUF 8 KiB into slot 3");
	sqe = ring_sqe(&r);
	sqe_send_zc_fixed(sqe, snd, 0, LEN, 2, 0);
	sqe->msg_flags = MSG_WAITALL;
	sqe_rw_fixed(ring_sqe(&r), IORING_OP_WRITE_FIXED, pfd[1], 0, 8192, 0, 3);
	CHECK_EQ(ring_submit(&r, 0), 2, "submit a send and a write that both wait");
	nudge(&r);
	CHECK(!cq_ready(&r), "both wait");
	ring_exit(&r);
	expect_released(2, "ring closed with both in flight");
	/* what is left in the connection and the pipe is the junk, nothing more */
	fcntl(rcv, F_SETFL, O_NONBLOCK);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	rc = drain(rcv, junk_len, 0, 0);
	res = recv(rcv, got, sizeof(got), MSG_DONTWAIT);
	CHECK(rc == 0 && res < 0 && errno == EAGAIN,
	      "connection held the junk only (drain %d, then recv %d)", rc, res);
	rc = drain(pfd[0], pjunk, 0, 0);
	res = read(pfd[0], got, sizeof(got));
	CHECK(rc == 0 && res < 0 && errno == EAGAIN,
	      "pipe held the junk only (drain %d, then read %d)", rc, res);
	close(snd);
	close(rcv);
	close(pfd[0]);
	close(pfd[1]);
	expect_refs("references back where they were", 0, 0, 0);

	view_unmap(&v);
	close(fd);
	unlink(path);
	return gb_done();
}
