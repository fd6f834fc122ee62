/* rle_codec — the RLE codec alone, timed in-process, for bench/rle.
 *   rle_codec decode CSV REPEAT   parse + paint every row, REPEAT times,
 *                                 into a fresh zeroed mask per row (as
 *                                 np.zeros), then into one reused mask
 *   rle_codec encode CSV REPEAT   encode each image's label mask (every
 *                                 category in one pass) to text
 * Prints "ms_per_row N" or "ms_per_image N" on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render.h"
#include "rle.h"
#include "trainrows.h"
#include "xalloc.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct {
	char *text;
	size_t len;
	uint32_t h, w;
	int category;
	char *stem;
} Row;

static Row *
load(const char *path, size_t *n)
{
	TrainOptions o = { .ncat = 46, .max_pixels = 1ULL << 31, .need_size = 1 };
	FILE *fp = fopen(path, "r");
	TrainReader *tr;
	const TrainRow *r;
	Row *rows = NULL;
	size_t cap = 0;
	Err e;

	if (fp == NULL || (tr = train_open(fp, path, &o, &e)) == NULL) {
		fprintf(stderr, "rle_codec: cannot read %s\n", path);
		exit(1);
	}
	*n = 0;
	while (train_next(tr, &r, &e) == 1) {
		if (*n == cap)
			rows = xreallocarray(rows, cap = cap ? 2 * cap : 1024, sizeof *rows);
		rows[*n] = (Row){ xstrndup(r->encoded, r->encoded_len), r->encoded_len,
		    r->height, r->width, r->category, xstrndup(r->stem, r->stem_len) };
		(*n)++;
	}
	train_close(tr);
	fclose(fp);
	return rows;
}

int
main(int argc, char **argv)
{
	size_t n, max = 0, done = 0;
	Row *rows;
	Rle r, lab[256];
	uint8_t *col;
	int repeat;
	double t0;
	Err e;

	if (argc != 4) {
		fprintf(stderr, "usage: rle_codec decode|encode CSV REPEAT\n");
		return 2;
	}
	rows = load(argv[2], &n);
	repeat = atoi(argv[3]);
	for (size_t i = 0; i < n; i++)
		if ((size_t)rows[i].h * rows[i].w > max)
			max = (size_t)rows[i].h * rows[i].w;
	col = xcalloc(max, 1);
	rle_init(&r);
	for (int v = 0; v < 256; v++)
		rle_init(&lab[v]);
	if (strcmp(argv[1], "decode") == 0) {
		t0 = now();
		for (int k = 0; k < repeat; k++)
			for (size_t i = 0; i < n; i++) {
				size_t npix = (size_t)rows[i].h * rows[i].w;
				/* a fresh zeroed mask per row, as np.zeros gives */
				uint8_t *m = calloc(npix, 1);

				if (m == NULL ||
				    rle_parse(&r, rows[i].text, rows[i].len, npix, &e) < 0)
					return 1;
				rle_paint(&r, m, 1);
				free(m);
			}
		printf("ms_per_row %.6f\n", (now() - t0) * 1e3 / ((double)n * repeat));
		/* the C way: one buffer for every row, cleared by painting the
		 * previous row's runs back to 0 */
		t0 = now();
		for (int k = 0; k < repeat; k++)
			for (size_t i = 0; i < n; i++) {
				size_t npix = (size_t)rows[i].h * rows[i].w;

				if (rle_parse(&r, rows[i].text, rows[i].len, npix, &e) < 0)
					return 1;
				rle_paint(&r, col, 1);
				rle_paint(&r, col, 0);
			}
		printf("reused_ms_per_row %.6f\n", (now() - t0) * 1e3 / ((double)n * repeat));
		return 0;
	}
	/* encode: label masks of each image (consecutive rows) built once */
	{
		char *buf = xmalloc(1);
		size_t bufcap = 1, images = 0;
		uint8_t **masks = xcalloc(n, sizeof *masks);
		size_t *npix = xcalloc(n, sizeof *npix);
		uint32_t *heights = xcalloc(n, sizeof *heights);

		for (size_t i = 0; i < n; i = done) {
			npix[images] = (size_t)rows[i].h * rows[i].w;
			heights[images] = rows[i].h;
			memset(col, 0, npix[images]);
			for (done = i; done < n && strcmp(rows[done].stem, rows[i].stem) == 0; done++) {
				rle_parse(&r, rows[done].text, rows[done].len, npix[images], &e);
				rle_paint(&r, col, (uint8_t)(rows[done].category + 1));
			}
			/* row-major, as a decoded PNG is */
			masks[images] = xmalloc(npix[images]);
			transpose_to_rowmajor(col, masks[images], (int)rows[i].h,
			    (int)rows[i].w);
			images++;
		}
		t0 = now();
		for (int k = 0; k < repeat; k++)
			for (size_t i = 0; i < images; i++) {
				/* what mask2rle does after decoding the PNG: transpose,
				 * encode every category, format each row */
				transpose_to_colmajor(masks[i], col, (int)heights[i],
				    (int)(npix[i] / heights[i]));
				rle_encode_labels(col, npix[i], lab);
				for (int v = 1; v < 256; v++) {
					if (lab[v].n == 0)
						continue;
					if (rle_format_size(&lab[v]) > bufcap)
						buf = xreallocarray(buf, bufcap = 2 * rle_format_size(&lab[v]), 1);
					rle_format(&lab[v], buf);
				}
			}
		printf("ms_per_image %.6f\n", (now() - t0) * 1e3 / ((double)images * repeat));
	}
	return 0;
}
