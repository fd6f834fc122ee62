/* mask2rle — label PNGs to a submission CSV on stdout: one row per
 * category present (or, with --instances, per connected component). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "components.h"
#include "labels.h"
#include "maskio.h"
#include "parse.h"
#include "path.h"
#include "rle.h"
#include "trainrows.h"
#include "xalloc.h"

typedef struct {
	const char *ext;
	const char *labels;
	int instances;
	int connectivity;
	uint64_t min_area;
	int all_images;
	int sizes;		/* train.csv layout: Height and Width columns */
	uint64_t max_pixels;
} Options;

/* What one mask needs while its rows are written. */
struct encoder {
	const Options *o;
	int ncat;
	Rle labels[256];
	char *text;		/* formatted runs of one row */
	size_t textcap;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: %s [--instances] [--connectivity 4|8] [--min-area n]\n"
	    "       [--all-images] [--sizes] [--ext .jpg] [--labels file]\n"
	    "       [--max-pixels n] [mask.png ...]\n", progname);
}

static void
parse_options(int argc, char **argv, Options *o)
{
	enum { O_EXT = 256, O_INST, O_CONN, O_MINAREA, O_ALL, O_SIZES, O_LABELS,
		O_MAXPIX };
	static const struct option longopts[] = {
		{ "ext", required_argument, NULL, O_EXT },
		{ "instances", no_argument, NULL, O_INST },
		{ "connectivity", required_argument, NULL, O_CONN },
		{ "min-area", required_argument, NULL, O_MINAREA },
		{ "all-images", no_argument, NULL, O_ALL },
		{ "sizes", no_argument, NULL, O_SIZES },
		{ "labels", required_argument, NULL, O_LABELS },
		{ "max-pixels", required_argument, NULL, O_MAXPIX },
		CLI_COMMON_OPTIONS
	};
	int c;

	*o = (Options){ .ext = ".jpg", .connectivity = 8, .min_area = 1,
	    .max_pixels = MASK_MAX_PIXELS };
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_EXT:
			if (strchr(optarg, ',') || strchr(optarg, '/') ||
			    strchr(optarg, '"') || strchr(optarg, '\n'))
				usage_error("--ext: '%s' cannot end an ImageId", optarg);
			o->ext = optarg;
			break;
		case O_INST:
			o->instances = 1;
			break;
		case O_CONN:
			if (strcmp(optarg, "4") != 0 && strcmp(optarg, "8") != 0)
				usage_error("--connectivity: '%s' is not 4 or 8", optarg);
			o->connectivity = optarg[0] - '0';
			break;
		case O_MINAREA:
			o->min_area = opt_u64("--min-area", optarg,
			    1, RLE_MAX_PIXELS);
			break;
		case O_ALL:
			o->all_images = 1;
			break;
		case O_SIZES:
			o->sizes = 1;
			break;
		case O_LABELS:
			o->labels = optarg;
			break;
		case O_MAXPIX:
			o->max_pixels = opt_u64("--max-pixels", optarg,
			    1, RLE_MAX_PIXELS);
			break;
		default:
			cli_common_option(c, usage);
		}
	}
}

static void
put_row(struct encoder *enc, const char *stem, size_t stem_len, int h, int w,
    const Rle *r, int category)
{
	size_t need = rle_format_size(r);

	if (need > enc->textcap) {
		enc->textcap = need * 2;
		enc->text = xreallocarray(enc->text, enc->textcap, 1);
	}
	rle_format(r, enc->text);
	if (enc->o->sizes)
		printf("%.*s%s,%s,%d,%d,%d\n", (int)stem_len, stem, enc->o->ext,
		    enc->text, h, w, category);
	else
		printf("%.*s%s,%s,%d\n", (int)stem_len, stem, enc->o->ext,
		    enc->text, category);
}

/* One mask's rows; -1 (nothing written) when a value is no category. */
static int
encode_mask(struct encoder *enc, const char *path, Err *e)
{
	const Options *o = enc->o;
	uint8_t *px, *col;
	int h, w, rows = 0;
	size_t stem_len;
	const char *stem = path_stem(path, &stem_len);

	if (!image_stem_ok(stem, stem_len))
		return err_set(e, "%s: the file name cannot make an ImageId", path);
	if (mask_read(path, o->max_pixels, &px, &h, &w, e) < 0)
		return -1;
	col = xmalloc((size_t)h * w);
	transpose_to_colmajor(px, col, h, w);
	free(px);
	rle_encode_labels(col, (uint64_t)h * w, enc->labels);
	free(col);
	for (int v = enc->ncat + 1; v < 255; v++)
		if (enc->labels[v].n > 0)
			return err_set(e, "%s: pixel value %d is no category "
			    "(1-%d, or 255 to ignore)", path, v, enc->ncat);
	for (int v = 1; v <= enc->ncat; v++) {
		Components comp;
		size_t n;

		if (enc->labels[v].n == 0)
			continue;
		if (!o->instances) {
			if (rle_area(&enc->labels[v]) >= o->min_area) {
				put_row(enc, stem, stem_len, h, w, &enc->labels[v], v - 1);
				rows++;
			}
			continue;
		}
		n = rle_components(&enc->labels[v], (uint32_t)h, o->connectivity, &comp);
		for (size_t k = 0; k < n; k++) {
			Rle c = components_at(&comp, k);

			if (rle_area(&c) >= o->min_area) {
				put_row(enc, stem, stem_len, h, w, &c, v - 1);
				rows++;
			}
		}
		components_free(&comp);
	}
	if (rows == 0 && o->all_images) {
		Rle empty;

		rle_init(&empty);
		put_row(enc, stem, stem_len, h, w, &empty, 0);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	Options o;
	struct encoder enc = { .o = &o };
	Labels labels;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int status = EXIT_OK;
	Err e;

	cli_init(argv[0]);
	parse_options(argc, argv, &o);
	if (labels_open(&labels, o.labels, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	enc.ncat = labels.ncat;
	labels_free(&labels);
	if (imaging_init(argv[0], 1, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	for (int v = 0; v < 256; v++)
		rle_init(&enc.labels[v]);
	printf(o.sizes ? "ImageId,EncodedPixels,Height,Width,ClassId\n" :
	    "ImageId,EncodedPixels,ClassId\n");
	if (optind < argc) {
		for (int i = optind; i < argc; i++)
			if (encode_mask(&enc, argv[i], &e) < 0) {
				warnmsg("%s", e.msg);
				status = EXIT_BAD;
			}
	} else {
		while ((n = getline(&line, &cap, stdin)) > 0) {
			while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				line[--n] = '\0';
			if (n > 0 && encode_mask(&enc, line, &e) < 0) {
				warnmsg("%s", e.msg);
				status = EXIT_BAD;
			}
		}
		if (ferror(stdin)) {
			warnmsg("stdin: %s", strerror(errno));
			status = EXIT_BAD;
		}
		free(line);
	}
	for (int v = 0; v < 256; v++)
		rle_free(&enc.labels[v]);
	free(enc.text);
	return close_stdout(status);
}
