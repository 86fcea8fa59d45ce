// SPDX-License-Identifier: Apache-2.0
/*
 * Sending a GET_BUF buffer to a TCP socket over loopback without a copy.
 *
 * 1. GET_BUF linked to SEND_ZC (IORING_RECVSEND_FIXED_BUF) in one submission:
 *    the bytes arrive exact, the notification's usage report says no copy
 *    was made, the slot can be emptied right after the send's CQE and the
 *    buffer goes back to the file once.
 * 2. Proof that the receiver reads the file's own pages: after the send has
 *    completed (both CQEs) and the slot is emptied, the file is rewritten
 *    in place; the receiver, reading only then, sees the new bytes. A copy
 *    made anywhere on the way would show the old ones.
 * 3. Contrast: SEND_ZC from a user-registered buffer over loopback reports
 *    IORING_NOTIF_USAGE_ZC_COPIED and the receiver sees the old bytes after
 *    the buffer is rewritten (skb_orphan_frags_rx() copied it).
 * Throughout, the reference counts of the file's pages (kpagerefs, see gb.h)
 * are watched: +1 per page while a slot holds it, more while sent data sits
 * in the receiver's queue, and back to where they were once the receiver
 * has read everything: a reference the send path kept would show.
 */
#include "gb.h"

#define BIG (256 * 1024)
#define SMALL (16 * 1024)
#define NPAGES (BIG / GB_PAGE)
#define tcp_pair(s, r) tcp_pair_sized(s, r, 4 << 20, 4 << 20)

static unsigned char got[BIG], want[BIG];

int main(void)
{
	const char *path = "/dev/shm/getbuf-tcp-test";
	static long base[NPAGES], now[NPAGES], delta[NPAGES];
	struct gb_counters f0, f1;
	struct page_view v;
	struct io_uring_cqe c;
	struct io_uring_sqe *sqe;
	struct ring r;
	int fd, snd, rcv, res, nres, got_gb = 0, got_send = 0, got_notif = 0;
	int send_res = 0, notif_res = 0, gb_res = 0, i;
	unsigned char *ubuf;

	ring_init_or_die(&r, 16);
	require_getbuf(&r);
	CHECK_EQ(reg_sparse_bufs(&r, 4), 0, "register a sparse table of 4 slots");
	fd = make_file(path, BIG, 6);
	f0 = counters(GB_FILEMAP_DBG);
	view_map(&v, fd, 0, NPAGES);
	view_refs(&v, base);

	/* 1. linked GET_BUF -> SEND_ZC, 256 KiB */
	tcp_pair(&snd, &rcv);
	sqe = ring_sqe(&r);
	sqe_get_buf(sqe, fd, 0, BIG, 0);
	sqe->flags = IOSQE_IO_LINK;
	sqe->user_data = 1;
	sqe = ring_sqe(&r);
	sqe_send_zc_fixed(sqe, snd, 0, BIG, 0, IORING_SEND_ZC_REPORT_USAGE);
	sqe->msg_flags = MSG_WAITALL;
	sqe->user_data = 2;
	res = ring_submit(&r, 0);
	CHECK_EQ(res, 2, "submit GET_BUF linked to SEND_ZC in one io_uring_enter");
	res = read_full(rcv, got, BIG);
	fill_pattern(want, 0, BIG, 6);
	CHECK(res == 0 && !memcmp(got, want, BIG),
	      "receiver got the file's 256 KiB, byte exact");
	while (got_gb + got_send + got_notif < 3) {
		ring_cqe(&r, &c);
		if (c.user_data == 1) {
			got_gb = 1;
			gb_res = c.res;
		} else if (c.flags & IORING_CQE_F_NOTIF) {
			got_notif = 1;
			notif_res = c.res;
		} else {
			got_send = 1;
			send_res = c.res;
			CHECK(c.flags & IORING_CQE_F_MORE, "send CQE has F_MORE");
			/* the pages belong to the skbs now: empty the slot at once */
			CHECK_EQ(buf_empty(&r, 0), 1, "empty the slot right after the send CQE");
		}
	}
	CHECK_EQ(gb_res, BIG, "GET_BUF res");
	CHECK_EQ(send_res, BIG, "linked SEND_ZC res");
	CHECK(!(notif_res & IORING_NOTIF_USAGE_ZC_COPIED),
	      "usage report: not copied (notif res 0x%x)", (unsigned int)notif_res);
	for (i = 0; i < 40; i++) {
		f1 = counters(GB_FILEMAP_DBG);
		if (f1.releases - f0.releases == 1)
			break;
		usleep(50000);
	}
	CHECK(f1.gets - f0.gets == 1 && f1.releases - f0.releases == 1,
	      "buffer handed out once and released once (%ld, %ld)",
	      f1.gets - f0.gets, f1.releases - f0.releases);
	CHECK(view_wait_refs(&v, base, NULL, now),
	      "all data read: page references back where they were (%s)",
	      refs_str(now, base, NPAGES));
	close(snd);
	close(rcv);

	/* 2. the receiver reads the page cache pages themselves */
	tcp_pair(&snd, &rcv);
	res = get_buf(&r, fd, 0, SMALL, 1);
	CHECK_EQ(res, SMALL, "GET_BUF 16 KiB into slot 1");
	for (i = 0; i < NPAGES; i++)
		delta[i] = i < SMALL / GB_PAGE;
	CHECK(view_wait_refs(&v, base, delta, now),
	      "the slot holds one reference on each of the 4 pages (%s)",
	      refs_str(now, base, NPAGES));
	sqe_send_zc_fixed(ring_sqe(&r), snd, 0, SMALL, 1, IORING_SEND_ZC_REPORT_USAGE);
	ring_submit(&r, 0);
	reap_send_zc(&r, &res, &nres);
	CHECK_EQ(res, SMALL, "SEND_ZC of the GET_BUF buffer");
	CHECK(!(nres & IORING_NOTIF_USAGE_ZC_COPIED),
	      "usage report: not copied (notif res 0x%x)", (unsigned int)nres);
	CHECK_EQ(buf_empty(&r, 1), 1, "empty slot 1 (buffer back to the file)");
	view_refs(&v, now);
	for (i = 0; i < SMALL / GB_PAGE && now[i] > base[i]; i++)
		;
	CHECK(i == SMALL / GB_PAGE,
	      "slot emptied, data not read yet: the receive queue still references the 4 pages (%s)",
	      refs_str(now, base, NPAGES));
	fill_pattern(want, 0, SMALL, 7);
	if (pwrite(fd, want, SMALL, 0) != SMALL)
		DIE("pwrite");
	res = read_full(rcv, got, SMALL);
	CHECK(res == 0 && !memcmp(got, want, SMALL),
	      "bytes read after the rewrite are the new ones: the socket held the file's pages, nothing was copied");
	CHECK(view_wait_refs(&v, base, NULL, now),
	      "data read: page references back where they were (%s)",
	      refs_str(now, base, NPAGES));
	close(snd);
	close(rcv);

	/* 3. contrast: a user buffer is copied on loopback */
	tcp_pair(&snd, &rcv);
	ubuf = aligned_alloc(GB_PAGE, SMALL);
	fill_pattern(ubuf, 0, SMALL, 8);
	memcpy(want, ubuf, SMALL);
	CHECK_EQ(buf_update(&r, 2, ubuf, SMALL), 1, "user buffer at slot 2");
	sqe_send_zc_fixed(ring_sqe(&r), snd, (uintptr_t)ubuf, SMALL, 2,
			  IORING_SEND_ZC_REPORT_USAGE);
	ring_submit(&r, 0);
	reap_send_zc(&r, &res, &nres);
	CHECK_EQ(res, SMALL, "SEND_ZC of a user-registered buffer");
	CHECK(nres & IORING_NOTIF_USAGE_ZC_COPIED,
	      "contrast: its usage report says copied (notif res 0x%x)",
	      (unsigned int)nres);
	memset(ubuf, 0, SMALL);
	res = read_full(rcv, got, SMALL);
	CHECK(res == 0 && !memcmp(got, want, SMALL),
	      "contrast: the receiver sees the old bytes (a copy was made)");
	close(snd);
	close(rcv);

	view_unmap(&v);
	unlink(path);
	return gb_done();
}
