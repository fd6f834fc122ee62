/* bench/miou_count — the counting step of miou alone (pair_counts and
 * confusion_add), and the PNG decoding alone, in process CPU time, on
 * the masks of two directories matched by name.
 *   miou_count TRUTHDIR PREDDIR ROUNDS
 * Prints "count ms/image X decode ms/image Y mean_iou Z". */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "confusion.h"
#include "maskio.h"
#include "parse.h"
#include "xalloc.h"

static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
is_png(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && strcmp(d->d_name + n - 4, ".png") == 0;
}

static uint8_t *
load(const char *dir, const char *name, int *h, int *w)
{
	char path[4096];
	uint8_t *px;
	Err e;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (mask_read(path, MASK_MAX_PIXELS, &px, h, w, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	return px;
}

int
main(int argc, char **argv)
{
	struct dirent **ent;
	uint8_t **t, **p;
	size_t *npix;
	PairCounts *pc = xmalloc(sizeof *pc);
	ConfSummary s;
	double t0, dec, best = -1;
	long rounds;
	int n, h, w;
	Err e;

	cli_init(argv[0]);
	if (argc != 4 || parse_long(argv[3], 1, 1000, &rounds, &e) < 0)
		usage_error("usage: miou_count truthdir preddir rounds");
	if (imaging_init(argv[0], 1, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	if ((n = scandir(argv[1], &ent, is_png, alphasort)) <= 0)
		die(EXIT_BAD, "%s: no masks", argv[1]);
	t = xcalloc((size_t)n, sizeof *t);
	p = xcalloc((size_t)n, sizeof *p);
	npix = xcalloc((size_t)n, sizeof *npix);
	t0 = cpu_ms();
	for (int i = 0; i < n; i++) {
		t[i] = load(argv[1], ent[i]->d_name, &h, &w);
		p[i] = load(argv[2], ent[i]->d_name, &h, &w);
		npix[i] = (size_t)h * w;
	}
	dec = (cpu_ms() - t0) / n;
	for (long r = 0; r < rounds; r++) {
		Confusion c;

		confusion_init(&c, 46);
		t0 = cpu_ms();
		for (int i = 0; i < n; i++) {
			pair_counts(pc, t[i], p[i], npix[i]);
			if (confusion_add(&c, pc, &e) < 0)
				die(EXIT_BAD, "%s: %s", ent[i]->d_name, e.msg);
		}
		t0 = (cpu_ms() - t0) / n;
		if (best < 0 || t0 < best)
			best = t0;
		confusion_summary(&c, 0, &s);
		confusion_free(&c);
	}
	printf("count ms/image %.3f decode ms/image %.3f mean_iou %.6f\n", best,
	    dec, s.mean_iou);
	for (int i = 0; i < n; i++) {
		free(t[i]);
		free(p[i]);
		free(ent[i]);
	}
	free(ent);
	free(t);
	free(p);
	free(npix);
	free(pc);
	return 0;
}
