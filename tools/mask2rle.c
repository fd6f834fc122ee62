/* mask2rle — label PNGs to a submission CSV on stdout: one row per
 * category present (or, with --instances, per connected component). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "labels.h"
#include "maskio.h"
#include "parse.h"
#include "path.h"
#include "rle.h"
#include "submission.h"
#include "trainrows.h"
#include "xalloc.h"

typedef struct {
	const char *ext;
	const char *labels;
	SubmitOptions submit;	/* ncat set once the labels are read */
	uint64_t max_pixels;
} Options;

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

	*o = (Options){ .ext = ".jpg", .max_pixels = MASK_MAX_PIXELS };
	submit_options_default(&o->submit, 0);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_EXT:
			if (strchr(optarg, ',') || strchr(optarg, '/') ||
			    strchr(optarg, '"') || strchr(optarg, '\n'))
				usage_error("--ext: '%s' cannot end an ImageId", optarg);
			o->ext = optarg;
			break;
		case O_INST:
			o->submit.instances = 1;
			break;
		case O_CONN:
			if (strcmp(optarg, "4") != 0 && strcmp(optarg, "8") != 0)
				usage_error("--connectivity: '%s' is not 4 or 8", optarg);
			o->submit.connectivity = optarg[0] - '0';
			break;
		case O_MINAREA:
			o->submit.min_area = opt_u64("--min-area", optarg,
			    1, RLE_MAX_PIXELS);
			break;
		case O_ALL:
			o->submit.all_images = 1;
			break;
		case O_SIZES:
			o->submit.sizes = 1;
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

/* One mask's rows on stdout; -1 (nothing written) when a value is no
 * category. The ImageId is the file's stem and --ext. */
static int
encode_mask(const Options *o, const char *path, Err *e)
{
	uint8_t *px;
	int h, w, rc;
	size_t stem_len, len;
	const char *stem = path_stem(path, &stem_len);
	char *id, *text;

	if (!image_stem_ok(stem, stem_len))
		return err_set(e, "%s: the file name cannot make an ImageId", path);
	if (mask_read(path, o->max_pixels, &px, &h, &w, e) < 0)
		return -1;
	id = xmalloc(stem_len + strlen(o->ext) + 1);
	memcpy(id, stem, stem_len);
	strcpy(id + stem_len, o->ext);
	rc = submission_rows(&o->submit, px, h, w, id, strlen(id), path, &text,
	    &len, e);
	free(id), free(px);
	if (rc == 0)
		fwrite(text, 1, len, stdout), free(text);
	return rc;
}

int
main(int argc, char **argv)
{
	Options o;
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
	o.submit.ncat = labels.ncat;
	labels_free(&labels);
	if (imaging_init(argv[0], 1, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	fputs(submission_header(&o.submit), stdout);
	if (optind < argc) {
		for (int i = optind; i < argc; i++)
			if (encode_mask(&o, argv[i], &e) < 0) {
				warnmsg("%s", e.msg);
				status = EXIT_BAD;
			}
	} else {
		while ((n = getline(&line, &cap, stdin)) > 0) {
			while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				line[--n] = '\0';
			if (n > 0 && encode_mask(&o, line, &e) < 0) {
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
	return close_stdout(status);
}
