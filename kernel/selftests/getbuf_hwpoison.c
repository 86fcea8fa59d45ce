// SPDX-License-Identifier: Apache-2.0
/*
 * A hardware-poisoned page is never lent. read(2) of tmpfs checks every page
 * it copies and fails with EIO at a poisoned one (after returning what came
 * before it); a GET_BUF must do the same per page, also inside a large folio,
 * where the poisoned page is one of 512.
 *
 * tmpfs mounted huge=always, a 4 MiB file (two 2 MiB folios). A buffer holds
 * the first folio, so that memory-failure cannot split it: madvise
 * (MADV_HWPOISON) of page 100, by a child that maps it (and is killed with
 * SIGBUS for it), marks that page poisoned and leaves the folio whole. Then:
 *  - GET_BUF of pages 96..104: 4 pages, short at the poisoned page, like
 *    pread(2), which returns 16 KiB too;
 *  - GET_BUF from page 100: -EIO, like pread(2);
 *  - GET_BUF of pages 101..104 (after it): all of it;
 *  - the bytes of what was lent are exact.
 * Needs no debugfs (root, CONFIG_MEMORY_FAILURE).
 */
#include "gb.h"
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define MNT	"/run/getbuf-hwpoison"
#define HUGE	(2u << 20)
#define BAD	100

static unsigned char got[16 * GB_PAGE], want[16 * GB_PAGE];

int main(void)
{
	unsigned char *map;
	struct ring r;
	int fd, res, st;
	pid_t pid;
	ssize_t n;

	ring_init_or_die(&r, 8);
	require_getbuf_op(&r);
	CHECK_EQ(reg_sparse_bufs(&r, 4), 0, "sparse table of 4 slots");
	mkdir(MNT, 0755);
	if (mount("tmpfs", MNT, "tmpfs", 0, "huge=always,size=16m"))
		DIE("mount tmpfs huge=always on %s", MNT);
	fd = make_file(MNT "/f", 2 * HUGE, 41);

	/* hold the first folio, so that it stays whole */
	CHECK_EQ(get_buf(&r, fd, 0, GB_PAGE, 0), GB_PAGE, "GET_BUF of page 0 holds folio 0");
	/*
	 * Poison it from a child: memory-failure cannot split the folio and
	 * kills whoever maps the page (SIGBUS), as it would on real hardware.
	 */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		map = mmap(NULL, HUGE, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			_exit(2);
		(void)*(volatile unsigned char *)(map + BAD * GB_PAGE);
		if (madvise(map + BAD * GB_PAGE, GB_PAGE, MADV_HWPOISON) && errno != EBUSY)
			_exit(3);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	CHECK((WIFEXITED(st) && WEXITSTATUS(st) == 0) ||
	      (WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS),
	      "page 100 poisoned by a child with MADV_HWPOISON (status 0x%x; exit 3: no CONFIG_MEMORY_FAILURE)", st);

	n = pread(fd, got, 8 * GB_PAGE, (BAD - 4) * GB_PAGE);
	CHECK(n == 4 * GB_PAGE, "pread(2) of pages 96..104 stops at the poisoned page: %zd", n);
	n = pread(fd, got, GB_PAGE, BAD * GB_PAGE);
	CHECK(n < 0 && errno == EIO, "pread(2) of the poisoned page: %zd (%s)", n,
	      n < 0 ? strerror(errno) : "data");

	res = get_buf(&r, fd, (BAD - 4) * GB_PAGE, 8 * GB_PAGE, 1);
	CHECK_EQ(res, 4 * GB_PAGE, "GET_BUF of pages 96..104 ends before the poisoned page");
	if (res > 0) {
		int ok = res <= (int)sizeof(got) && slot_contents(&r, 1, got, res) == 0;

		fill_pattern(want, (BAD - 4) * GB_PAGE, 4 * GB_PAGE, 41);
		CHECK(ok && !memcmp(got, want, res < 4 * GB_PAGE ? res : 4 * GB_PAGE),
		      "and its bytes are the file's");
		buf_empty(&r, 1);
	}
	res = get_buf(&r, fd, BAD * GB_PAGE, 4 * GB_PAGE, 2);
	CHECK_EQ(res, -EIO, "GET_BUF starting at the poisoned page");
	if (res > 0)
		buf_empty(&r, 2);
	res = get_buf(&r, fd, (BAD + 1) * GB_PAGE, 4 * GB_PAGE, 2);
	CHECK_EQ(res, 4 * GB_PAGE, "GET_BUF of the pages after it");
	if (res > 0) {
		fill_pattern(want, (BAD + 1) * GB_PAGE, 4 * GB_PAGE, 41);
		CHECK(slot_contents(&r, 2, got, 4 * GB_PAGE) == 0 &&
		      !memcmp(got, want, 4 * GB_PAGE), "and its bytes are the file's");
		buf_empty(&r, 2);
	}
	buf_empty(&r, 0);
	close(fd);
	unlink(MNT "/f");
	umount2(MNT, MNT_DETACH);
	return gb_done();
}
