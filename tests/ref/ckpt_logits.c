/* ckpt_logits — loads a checkpoint and writes the inference logits of
 * the batch "x" of a safetensors file (as unet_case writes it), under
 * whatever algorithm and instruction set IMATSEG_CONV and IMATSEG_ISA
 * choose: the bats tests' proof that a checkpoint trained by one path
 * of the engine is read, and answered alike, by every other.
 *
 * usage: ckpt_logits CKPT BATCH OUT */
#include <stdio.h>
#include <string.h>

#include "ckpt.h"
#include "cli.h"
#include "safetensors.h"

int
main(int argc, char **argv)
{
	const StEntry *t;
	StFile *f;
	Unet *u;
	Err e;

	progname = "ckpt_logits";
	if (argc != 4) {
		fprintf(stderr, "usage: ckpt_logits CKPT BATCH OUT\n");
		return EXIT_USAGE;
	}
	if ((u = ckpt_load(argv[1], NULL, &e)) == NULL)
		die(EXIT_BAD, "%s", e.msg);
	if ((f = st_read(argv[2], &e)) == NULL)
		die(EXIT_BAD, "%s", e.msg);
	if ((t = st_find(f, "x")) == NULL || t->ndim != 4 ||
	    strcmp(t->dtype, "F32") != 0 || t->shape[1] != u->cfg.in_channels)
		die(EXIT_BAD, "%s: no F32 tensor x [n][%d][h][w]", argv[2],
		    u->cfg.in_channels);
	int n = (int)t->shape[0], h = (int)t->shape[2], w = (int)t->shape[3];
	if (unet_forward(u, st_data(f, t), n, h, w, 0, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	StTensor out = { "logits", "F32", 4, { n, u->cfg.classes, h, w },
	    unet_logits(u) };
	if (st_write(argv[3], &out, 1, NULL, 0, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	st_free(f);
	unet_free(u);
	return EXIT_OK;
}
