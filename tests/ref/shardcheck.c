/* shardcheck — test helper: opens shards with the loader, verifying every
 * checksum, then reads one epoch. Prints "N samples SxS" or the loader's
 * message and exits 1.  usage: shardcheck [--lazy] SHARD... */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "loader.h"

int
main(int argc, char **argv)
{
	LoaderOptions o = { .batch = 4, .nranks = 1, .threads = 2,
	    .verify = 1 };
	int first = 1, r;
	Loader *L;
	Batch b;
	Err e;

	cli_init(argv[0]);
	if (argc > 1 && strcmp(argv[1], "--lazy") == 0) {
		o.verify = 0;	/* checksums on first touch only */
		first = 2;
	}
	if (argc <= first)
		usage_error("usage: shardcheck [--lazy] SHARD...");
	L = loader_open((const char *const *)argv + first, argc - first, &o, &e);
	if (L == NULL)
		die(EXIT_BAD, "%s", e.msg);
	loader_epoch_begin(L, 0, 0, &e);
	while ((r = loader_next(L, &b, &e)) == 1)
		;
	if (r < 0)
		die(EXIT_BAD, "%s", e.msg);
	printf("%llu samples %dx%d\n", (unsigned long long)loader_total(L),
	    loader_size(L), loader_size(L));
	loader_close(L);
	return close_stdout(EXIT_OK);
}
