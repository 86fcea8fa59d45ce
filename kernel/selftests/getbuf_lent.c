// SPDX-License-Identifier: Apache-2.0
/*
 * What a ring may hold lent, and what it is charged for. Lent pages stay in
 * memory for as long as a slot holds them (they cannot be reclaimed,
 * migrated or compacted), so:
 *  - they are charged like registered memory: against RLIMIT_MEMLOCK for a
 *    user without CAP_IPC_LOCK, and in the ring owner's VmPin for everyone;
 *  - a hole lent as the zero page pins nothing and is charged nothing;
 *  - a ring holds at most kernel.io_uring_get_buf_max_mb MiB of charged
 *    pages in its table, whoever owns it (root included): past that GET_BUF
 *    fails with -ENOBUFS until slots are emptied.
 * Checked: an unprivileged user with 1 MiB of memlock lends a 64 MiB hole,
 * then 512 KiB of data, and gets -ENOMEM for 1 MiB more; root with the limit
 * set to 1 MiB lends 16 x 64 KiB (VmPin 1024 kB), gets -ENOBUFS for the 17th,
 * can lend again after emptying one slot, and is back to VmPin 0 after
 * emptying all; with the default limit, a table lending one 64 KiB range
 * over and over stops at limit / 64 KiB buffers. Needs no debugfs.
 */
#include "gb.h"
#include <sys/wait.h>

#define CAP_SYSCTL "/proc/sys/kernel/io_uring_get_buf_max_mb"
#define K64 (64 * 1024)

static int unprivileged_child(const char *hole, const char *data)
{
	int hfd = open(hole, O_RDONLY), dfd = open(data, O_RDONLY), a, b, c;
	struct ring r;

	if (hfd < 0 || dfd < 0)
		DIE("open");
	become_unprivileged(1 << 20);
	ring_init_or_die(&r, 4);
	if (reg_sparse_bufs(&r, 4))
		DIE("sparse table");
	a = get_buf(&r, hfd, 0, 64 << 20, 0);
	CHECK_EQ(a, 64 << 20, "unprivileged, memlock 1 MiB: GET_BUF of a 64 MiB hole");
	b = get_buf(&r, dfd, 0, 512 * 1024, 1);
	CHECK_EQ(b, 512 * 1024, "then 512 KiB of data");
	c = get_buf(&r, dfd, 0, 1 << 20, 2);
	CHECK_EQ(c, -ENOMEM, "then 1 MiB more of data (over the memlock limit)");
	CHECK_EQ(status_kb("VmPin"), 512, "VmPin (kB): the data, not the hole");
	return gb_done();
}

int main(void)
{
	const char *hole = "/dev/shm/getbuf-lent-hole", *data = "/dev/shm/getbuf-lent-data";
	long cap0, pin;
	int fd, i, res, st, n;
	struct ring r;
	pid_t pid;

	ring_init_or_die(&r, 8);
	require_getbuf_op(&r);
	fd = open(hole, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, 64 << 20))
		DIE("sparse file");
	close(fd);
	close(make_file(data, 2 << 20, 17));

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(unprivileged_child(hole, data));
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "unprivileged checks (child status 0x%x)", st);

	cap0 = read_sysctl(CAP_SYSCTL);
	CHECK(cap0 > 0, "%s exists: %ld MiB", CAP_SYSCTL, cap0);
	if (cap0 <= 0)
		return gb_done();
	fd = open(data, O_RDONLY);
	CHECK_EQ(reg_sparse_bufs(&r, 16384), 0, "a full table: 16384 slots");
	CHECK_EQ(write_sysctl(CAP_SYSCTL, 1), 0, "limit set to 1 MiB");
	for (i = 0; i < 16; i++)
		if ((res = get_buf(&r, fd, (size_t)i * K64, K64, i)) != K64)
			break;
	CHECK_EQ(i, 16, "root lends 16 x 64 KiB under a 1 MiB limit");
	CHECK_EQ(status_kb("VmPin"), 1024, "VmPin (kB) of root's ring");
	res = get_buf(&r, fd, 0, K64, 16);
	CHECK_EQ(res, -ENOBUFS, "the 17th 64 KiB");
	buf_empty(&r, 3);
	res = get_buf(&r, fd, 0, K64, 16);
	CHECK_EQ(res, K64, "after emptying one slot, lending works again");
	for (i = 0; i <= 16; i++)
		buf_empty(&r, i);
	CHECK_EQ(status_kb("VmPin"), 0, "VmPin (kB) after emptying all");

	/* the default limit over a full table */
	CHECK_EQ(write_sysctl(CAP_SYSCTL, cap0), 0, "limit back to the default");
	for (n = 0; n < 16384; n++)
		if ((res = get_buf(&r, fd, 0, K64, n)) != K64)
			break;
	pin = status_kb("VmPin");
	printf("    a full table lending one 64 KiB range: %d buffers, then %d; VmPin %ld kB\n",
	       n, res, pin);
	CHECK(n == cap0 * 16 && res == -ENOBUFS,
	      "with the default %ld MiB, a ring holds %ld buffers of 64 KiB (got %d, then %d)",
	      cap0, cap0 * 16, n, res);
	for (i = 0; i < n; i += 16)
		empty_slots(&r, i, n - i < 16 ? n - i : 16);
	CHECK_EQ(status_kb("VmPin"), 0, "VmPin (kB) after emptying the table");
	close(fd);
	unlink(hole);
	unlink(data);
	return gb_done();
}
