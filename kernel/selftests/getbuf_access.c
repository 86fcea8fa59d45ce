// SPDX-License-Identifier: Apache-2.0
/*
 * GET_BUF reads the file: like read(2), sendfile(2) and splice(2) it must
 * update the file's access time (file_accessed()) and report an access to
 * fsnotify (inotify IN_ACCESS), so that atime-based tools and watchers see
 * files served through it. On tmpfs and on ext4 (noatime not set; relatime
 * updates an atime older than the mtime): the atime is set to 1 s after the
 * epoch first, then a GET_BUF of 4 KiB must move it forward and queue one
 * IN_ACCESS event for the file. A GET_BUF at end of file (0 bytes) reads
 * nothing. Needs no debugfs.
 */
#include "gb.h"
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>

static int access_events(int in)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct pollfd p = { .fd = in, .events = POLLIN };
	int n = 0;

	while (poll(&p, 1, 200) == 1) {
		ssize_t len = read(in, ev, sizeof(ev)), off = 0;

		if (len <= 0)
			break;
		while (off < len) {
			struct inotify_event *e = (struct inotify_event *)(ev + off);

			if (e->mask & IN_ACCESS)
				n++;
			off += sizeof(*e) + e->len;
		}
	}
	return n;
}

static void check_fs(struct ring *r, const char *path, const char *what)
{
	struct timespec ts[2] = { { 1, 0 }, { 0, UTIME_OMIT } };
	struct stat st;
	int fd = make_file(path, 8 * GB_PAGE, 7), in, res, ev;

	close(fd);
	fd = open(path, O_RDONLY);
	in = inotify_init1(IN_NONBLOCK);
	if (fd < 0 || in < 0 || inotify_add_watch(in, path, IN_ACCESS) < 0)
		DIE("open/inotify %s", path);
	if (utimensat(AT_FDCWD, path, ts, 0) || stat(path, &st))
		DIE("utimensat %s", path);
	CHECK(st.st_atim.tv_sec == 1, "%s: atime set to 1 s after the epoch", what);
	/* setting the atime alone is itself reported as an access */
	access_events(in);

	res = get_buf(r, fd, GB_PAGE, GB_PAGE, 0);
	CHECK_EQ(res, GB_PAGE, "GET_BUF of 4 KiB");
	if (stat(path, &st))
		DIE("stat");
	CHECK(st.st_atim.tv_sec > 1, "%s: GET_BUF updated the access time (atime %lld)",
	      what, (long long)st.st_atim.tv_sec);
	ev = access_events(in);
	CHECK_EQ(ev, 1, "IN_ACCESS events after the GET_BUF");
	buf_empty(r, 0);

	res = get_buf(r, fd, 8 * GB_PAGE, GB_PAGE, 0);
	CHECK_EQ(res, 0, "GET_BUF at end of file");
	CHECK_EQ(access_events(in), 0, "IN_ACCESS events for a GET_BUF that read nothing");

	/* the same for read(2), for comparison */
	if (pread(fd, (char[16]){0}, 16, 0) != 16)
		DIE("pread");
	CHECK_EQ(access_events(in), 1, "IN_ACCESS events after pread(2) (comparison)");
	close(in);
	close(fd);
	unlink(path);
}

int main(void)
{
	char path[256];
	struct ring r;

	ring_init_or_die(&r, 8);
	require_getbuf_op(&r);
	CHECK_EQ(reg_sparse_bufs(&r, 2), 0, "sparse table of 2 slots");
	check_fs(&r, "/dev/shm/getbuf-access-test", "tmpfs");
	snprintf(path, sizeof(path), "%s/getbuf-access-test", ext4_dir());
	check_fs(&r, path, "ext4");
	return gb_done();
}
