// SPDX-License-Identifier: Apache-2.0
/*
 * pattern-file PATH BYTES SEED: writes BYTES bytes of file_pattern(offset,
 * SEED) (gb.h) to PATH, the content the selftests expect. Run on the host by
 * kernel/vm/test to put a file larger than the VM's memory on its ext4 disk.
 */
#include "../gb.h"

int main(int argc, char **argv)
{
	static unsigned char buf[1 << 20];
	unsigned long long size, done = 0;
	unsigned int seed;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: pattern-file PATH BYTES SEED\n");
		return 2;
	}
	size = strtoull(argv[2], NULL, 0);
	seed = strtoul(argv[3], NULL, 0);
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		DIE("create %s", argv[1]);
	while (done < size) {
		size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);

		fill_pattern(buf, done, n, seed);
		if (write(fd, buf, n) != (ssize_t)n)
			DIE("write %s", argv[1]);
		done += n;
	}
	if (close(fd))
		DIE("close %s", argv[1]);
	return 0;
}
