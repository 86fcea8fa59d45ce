// SPDX-License-Identifier: Apache-2.0
/*
 * A file opened with O_DIRECT asked its reads to bypass the page cache;
 * GET_BUF lends page cache pages, so it refuses such a file the same way on
 * every file system: -EOPNOTSUPP (the caller falls back to a copying read).
 * Before, 9p refused it and ext4 lent possibly stale cached pages. Checked on
 * ext4, tmpfs and 9p (the VM's root); the same files opened without O_DIRECT
 * are lent. Needs no debugfs.
 */
#include "gb.h"

static void check(struct ring *r, const char *path, const char *what, int create)
{
	int fd, res;

	if (create)
		close(make_file(path, 4 * GB_PAGE, 13));
	fd = open(path, O_RDONLY | O_DIRECT);
	if (fd < 0)
		DIE("open %s O_DIRECT", path);
	res = get_buf(r, fd, 0, GB_PAGE, 0);
	CHECK_EQ(res, -EOPNOTSUPP, what);
	if (res > 0)
		buf_empty(r, 0);
	close(fd);
	fd = open(path, O_RDONLY);
	res = get_buf(r, fd, 0, GB_PAGE, 0);
	CHECK(res == GB_PAGE, "%s without O_DIRECT: %d", path, res);
	if (res > 0)
		buf_empty(r, 0);
	close(fd);
	if (create)
		unlink(path);
}

int main(void)
{
	char path[256];
	struct ring r;

	ring_init_or_die(&r, 8);
	require_getbuf_op(&r);
	CHECK_EQ(reg_sparse_bufs(&r, 1), 0, "sparse table of 1 slot");
	snprintf(path, sizeof(path), "%s/getbuf-odirect-test", ext4_dir());
	check(&r, path, "ext4 file opened O_DIRECT", 1);
	check(&r, "/dev/shm/getbuf-odirect-test", "tmpfs file opened O_DIRECT", 1);
	/* a file of the host's root over 9p (cache=loose), never written here */
	check(&r, "/usr/bin/env", "9p file opened O_DIRECT", 0);
	return gb_done();
}
