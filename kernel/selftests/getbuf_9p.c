// SPDX-License-Identifier: Apache-2.0
/*
 * GET_BUF from files on 9p: the VM's root file system is the host's root
 * over virtio 9p with cache=loose, so its regular files use the page cache.
 * Page cache dropped first, so pages are read in (the non-blocking attempt
 * punts to io-wq). Checked against pread(): a full page, an unaligned
 * offset, 1 MiB across many pages, short at EOF, past EOF. A 9p mount
 * without a cache (the harness share, cache=none) has no page cache to lend:
 * -EOPNOTSUPP.
 */
#include "gb.h"
#include <sys/stat.h>

/*
 * File system type of the mount holding @path, from /proc/self/mounts
 * (statfs() on 9p reports the server's f_type, not 9p's).
 */
static int fstype_of(const char *path, char *type, size_t tlen)
{
	char line[1024], dev[256], mnt[512], fst[64];
	size_t best = 0;
	FILE *f = fopen("/proc/self/mounts", "r");

	if (!f)
		return -1;
	type[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		size_t ml;

		if (sscanf(line, "%255s %511s %63s", dev, mnt, fst) != 3)
			continue;
		ml = strlen(mnt);
		if (strncmp(path, mnt, ml) ||
		    (ml > 1 && path[ml] != '/' && path[ml] != 0))
			continue;
		if (ml >= best) {
			best = ml;
			snprintf(type, tlen, "%s", fst);
		}
	}
	fclose(f);
	return type[0] ? 0 : -1;
}

static unsigned char got[(1 << 20) + 2 * GB_PAGE], want[(1 << 20) + 2 * GB_PAGE];

static void check(struct ring *r, int fd, off_t size, off_t off,
		  unsigned int len, const char *what)
{
	long exp = off >= size ? 0 : (size - off < len ? size - off : len);
	int res = get_buf(r, fd, off, len, 0);

	CHECK(res == exp, "%s: GET_BUF off %lld len %u -> %d (want %ld)", what,
	      (long long)off, len, res, exp);
	if (res > 0) {
		int ret = slot_contents(r, 0, got, res);

		if (pread(fd, want, res, off) != res)
			DIE("pread");
		CHECK(ret == 0 && !memcmp(got, want, res),
		      "%s: bytes equal pread()'s", what);
	}
	buf_empty(r, 0);
}

static const char *big_file(off_t *size)
{
	static const char *cands[] = {
		"/usr/bin/qemu-system-x86_64", "/usr/lib/x86_64-linux-gnu/libc.so.6",
		"/usr/bin/bash", "/bin/bash",
	};
	struct stat st;
	unsigned int i;

	for (i = 0; i < sizeof(cands) / sizeof(cands[0]); i++)
		if (!stat(cands[i], &st) && S_ISREG(st.st_mode) &&
		    st.st_size > (1 << 20) + 3 * GB_PAGE) {
			*size = st.st_size;
			return cands[i];
		}
	return NULL;
}

int main(int argc, char **argv)
{
	struct gb_counters f0, f1;
	char fst[64];
	struct ring r;
	const char *path;
	off_t size;
	int fd, dc, res;

	ring_init_or_die(&r, 8);
	require_getbuf(&r);
	path = big_file(&size);
	if (!path)
		DIE("no regular file > 1 MiB found on /");
	if (fstype_of(path, fst, sizeof(fst)) || strcmp(fst, "9p"))
		DIE("%s is not on 9p but %s (not running in the getbuf VM?)",
		     path, fst);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		DIE("open %s", path);
	printf("file: %s (%lld bytes, 9p)\n", path, (long long)size);
	CHECK_EQ(reg_sparse_bufs(&r, 2), 0, "sparse table of 2 slots");

	sync();
	dc = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (dc >= 0 && write(dc, "3", 1) == 1)
		printf("page cache dropped\n");
	f0 = counters(GB_FILEMAP_DBG);

	CHECK_EQ(nr_threads(), 1, "no io-wq worker yet");
	check(&r, fd, size, 3 * GB_PAGE, GB_PAGE, "full page (not cached)");
	CHECK(nr_threads() >= 2,
	      "the uncached page was read from an io-wq worker (threads %d)",
	      nr_threads());
	check(&r, fd, size, 3 * GB_PAGE, GB_PAGE, "the same page again (cached)");
	check(&r, fd, size, 12345, 7000, "unaligned offset");
	check(&r, fd, size, 54321, 1 << 20, "1 MiB across 257 pages");
	check(&r, fd, size, size - 100, GB_PAGE, "short at end of file");
	check(&r, fd, size, size, GB_PAGE, "at end of file");
	check(&r, fd, size, size + GB_PAGE, GB_PAGE, "past end of file");

	f1 = counters(GB_FILEMAP_DBG);
	CHECK(f1.gets - f0.gets == 5 && f1.releases - f0.releases == 5 &&
	      f1.pages == f0.pages,
	      "page-cache provider: %ld handed out, %ld released, pages %ld -> %ld",
	      f1.gets - f0.gets, f1.releases - f0.releases, f0.pages, f1.pages);

	/* an uncached 9p mount: the harness share */
	{
		int u = open("/run/getbuf/job", O_RDONLY);

		if (u >= 0 && !fstype_of("/run/getbuf/job", fst, sizeof(fst)) &&
		    !strcmp(fst, "9p")) {
			res = get_buf(&r, u, 0, 16, 1);
			CHECK_EQ(res, -EOPNOTSUPP,
				 "GET_BUF from a file on a cache=none 9p mount");
		} else {
			CHECK(0, "/run/getbuf/job (the harness share, cache=none) is on 9p");
		}
	}
	return gb_done();
}
