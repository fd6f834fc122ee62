/* ckpt_info — loads a checkpoint with ckpt_load and prints what it holds,
 * or the reason it was refused (exit 1). The bats tests' window on the
 * checkpoint validation.
 *
 * usage: ckpt_info FILE */
#include <stdio.h>

#include "ckpt.h"
#include "cli.h"

int
main(int argc, char **argv)
{
	Unet *u;
	Err e;

	progname = "ckpt_info";
	if (argc != 2) {
		fprintf(stderr, "usage: ckpt_info FILE\n");
		return EXIT_USAGE;
	}
	if ((u = ckpt_load(argv[1], NULL, &e)) == NULL)
		die(EXIT_BAD, "%s", e.msg);
	printf("depth %d filters %d classes %d parameters %zu batches %lld\n",
	    u->cfg.depth, u->cfg.filters, u->cfg.classes, u->nparams,
	    (long long)u->bn_batches);
	unet_free(u);
	return EXIT_OK;
}
