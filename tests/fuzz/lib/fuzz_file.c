/* fuzz_file — an input as a file, for the parsers that take a path. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"

static char path[64];

static void
remove_file(void)
{
	unlink(path);
}

const char *
fuzz_file(const uint8_t *data, size_t size)
{
	FILE *fp;

	if (path[0] == '\0') {
		const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" :
		    "/tmp";

		snprintf(path, sizeof path, "%s/imatseg-fuzz.%ld", dir,
		    (long)getpid());
		atexit(remove_file);
	}
	if ((fp = fopen(path, "wb")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, fp) != size)
		abort();
	if (fclose(fp) != 0)
		abort();
	return path;
}
