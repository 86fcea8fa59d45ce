// SPDX-License-Identifier: Apache-2.0
/*
 * getbuf-count-mark: executes one marker of the getbuf-count plugin, so that
 * a shell script in the guest can open and close counting windows:
 *
 *   getbuf-count-mark open; <measured commands>; getbuf-count-mark close
 *
 * In a whole-system count the window then also holds this program's own exit
 * (after `open`) and exec (before `close`): a constant, measured by an empty
 * window (`getbuf-count-mark open; getbuf-count-mark close`). Built static by
 * kernel/vm/count/build to keep that constant small.
 */
#include <stdio.h>
#include <string.h>

#include "getbuf-count-mark.h"

static int usage(FILE *out, int status)
{
	fprintf(out, "Usage: getbuf-count-mark open|close\n");
	return status;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return usage(stderr, 2);
	if (!strcmp(argv[1], "open"))
		getbuf_count_open();
	else if (!strcmp(argv[1], "close"))
		getbuf_count_close();
	else if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return usage(stdout, 0);
	else
		return usage(stderr, 2);
	return 0;
}
