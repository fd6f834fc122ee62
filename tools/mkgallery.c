/* mkgallery — photos beside their truth and predicted masks: a PNG row per
 * image, a contact sheet, and a static HTML page to open in a browser. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "cli.h"
#include "confusion.h"
#include "gallery.h"
#include "image.h"
#include "labels.h"
#include "maskio.h"
#include "maskset.h"
#include "path.h"
#include "parse.h"
#include "trainrows.h"
#include "xalloc.h"

typedef struct {
	const char *outdir;
	const char *labels;
	const char *title;
	long count;
	long height;
	double alpha;
	const char *photos, *truth, *pred;
} Options;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: %s -o dir [-n count] [--height px] [--alpha a]\n"
	    "       [--title text] [--labels file] photos truth pred\n", progname);
}

static void
parse_options(int argc, char **argv, Options *o)
{
	enum { O_HEIGHT = 256, O_ALPHA, O_TITLE, O_LABELS };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "count", required_argument, NULL, 'n' },
		{ "height", required_argument, NULL, O_HEIGHT },
		{ "alpha", required_argument, NULL, O_ALPHA },
		{ "title", required_argument, NULL, O_TITLE },
		{ "labels", required_argument, NULL, O_LABELS },
		CLI_COMMON_OPTIONS
	};
	int c;

	*o = (Options){ .count = 12, .height = 256, .alpha = 0.5,
	    .title = "imatseg predictions" };
	while ((c = getopt_long(argc, argv, "o:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->outdir = optarg;
			break;
		case 'n':
			o->count = opt_long("-n", optarg, 1, 10000);
			break;
		case O_HEIGHT:
			o->height = opt_long("--height", optarg, 8, 4096);
			break;
		case O_ALPHA:
			o->alpha = opt_double("--alpha", optarg, 0, 1);
			break;
		case O_TITLE:
			o->title = optarg;
			break;
		case O_LABELS:
			o->labels = optarg;
			break;
		default:
			cli_common_option(c, usage);
		}
	}
	if (o->outdir == NULL)
		usage_error("-o DIR is required (where the gallery goes)");
	if (argc - optind != 3)
		usage_error("three operands: photos truth pred");
	o->photos = argv[optind];
	o->truth = argv[optind + 1];
	o->pred = argv[optind + 2];
}

/* photos/STEM.jpg, .jpeg or .png: the first that exists, malloc'd. */
static char *
find_photo(const char *dir, const char *stem, size_t len)
{
	static const char *const ext[] = { ".jpg", ".jpeg", ".png", ".JPG" };
	for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
		char *p = path_join_stem(dir, stem, len, ext[i]);

		if (access(p, R_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

/* Pixel accuracy and mean IoU of one image. */
static int
score(const uint8_t *t, const uint8_t *p, size_t npix, int ncat,
    GalleryEntry *g, Err *e)
{
	PairCounts *pc = xmalloc(sizeof *pc);	/* 256 KiB: not on the stack */
	Confusion c;
	ConfSummary s;
	int rc;

	pair_counts(pc, t, p, npix);
	confusion_init(&c, ncat);
	if ((rc = confusion_add(&c, pc, e)) == 0) {
		confusion_summary(&c, 0, &s);
		g->pixel_acc = s.pixel_acc;
		g->mean_iou = s.mean_iou;
	}
	confusion_free(&c);
	free(pc);
	return rc;
}

/* The row of one truth mask and its prediction; -1 with e set when one
 * of the three files is missing or bad. */
static int
one_image(const Options *o, int ncat, const char *tpath,
    const char *ppath, GalleryEntry *g, Picture *row, Err *e)
{
	size_t len;
	const char *base = path_stem(tpath, &len);
	uint8_t *t = NULL, *p = NULL;
	int th, tw, ph, pw, rc = -1;
	char *photo = find_photo(o->photos, base, len), *out;

	if (photo == NULL)
		return err_set(e, "%s: no photo %.*s.jpg (or .jpeg, .png) in %s",
		    tpath, (int)len, base, o->photos);
	if (mask_read(tpath, MASK_MAX_PIXELS, &t, &th, &tw, e) == 0 &&
	    mask_read(ppath, MASK_MAX_PIXELS, &p, &ph, &pw, e) == 0) {
		if (th != ph || tw != pw)
			err_set(e, "%s is %dx%d but %s is %dx%d", tpath, th, tw,
			    ppath, ph, pw);
		else if (score(t, p, (size_t)th * tw, ncat, g, e) < 0)
			err_prefix(e, "%s, %s", tpath, ppath);
		else if (gallery_row(photo, t, p, th, tw, (int)o->height,
		    (float)o->alpha, row, e) == 0) {
			g->stem = xstrndup(base, len);
			out = path_join_stem(o->outdir, base, len, ".png");
			rc = rgb_write_png(out, row->rgb, row->height, row->width, e);
			free(out);
		}
	}
	free(t);
	free(p);
	free(photo);
	return rc;
}

static int
write_page(const Options *o, const Labels *lab,
    const GalleryEntry *g, size_t n, Err *e)
{
	char *path = path_join(o->outdir, "index.html");
	Atomic *a;
	int rc = -1;

	if ((a = atomic_open(path, e)) != NULL) {
		gallery_html(atomic_file(a), o->title, g, n,
		    (const char *const *)lab->cat, lab->ncat);
		rc = atomic_commit(a, e);
	}
	free(path);
	return rc;
}

int
main(int argc, char **argv)
{
	Options o;
	Labels lab;
	MaskSet preds;
	MaskList *truth;
	GalleryEntry *g;
	Picture *rows, sheet;
	size_t n = 0;
	char *tp, *sheet_path;
	int status = EXIT_OK, rc;
	struct stat st;
	Err e;

	cli_init(argv[0]);
	parse_options(argc, argv, &o);
	if (labels_open(&lab, o.labels, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	if (stat(o.outdir, &st) != 0 || !S_ISDIR(st.st_mode))
		die(EXIT_BAD, "%s: not a directory", o.outdir);
	if (imaging_init(argv[0], 1, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	if (maskset_load(&preds, o.pred, NULL, NULL, &e) < 0 ||
	    (truth = masklist_open(o.truth, &e)) == NULL)
		die(EXIT_BAD, "%s", e.msg);
	g = xcalloc((size_t)o.count, sizeof *g);
	rows = xcalloc((size_t)o.count, sizeof *rows);
	while (n < (size_t)o.count && (rc = masklist_next(truth, &tp, &e)) != 0) {
		const char *pp;

		if (rc < 0)
			die(EXIT_BAD, "%s", e.msg);
		if ((pp = maskset_find(&preds, path_base(tp), NULL)) == NULL) {
			free(tp);	/* not predicted: not shown */
			continue;
		}
		if (one_image(&o, lab.ncat, tp, pp, &g[n], &rows[n], &e) < 0) {
			warnmsg("%s", e.msg);
			status = EXIT_BAD;
		} else {
			n++;
		}
		free(tp);
	}
	masklist_close(truth);
	gallery_sheet(rows, n, &sheet);
	sheet_path = path_join(o.outdir, "gallery.png");
	if (rgb_write_png(sheet_path, sheet.rgb, sheet.height, sheet.width, &e) < 0 ||
	    write_page(&o, &lab, g, n, &e) < 0) {
		warnmsg("%s", e.msg);
		status = EXIT_BAD;
	}
	for (size_t i = 0; i < n; i++) {
		picture_free(&rows[i]);
		free((char *)g[i].stem);
	}
	picture_free(&sheet);
	free(sheet_path);
	free(rows);
	free(g);
	maskset_free(&preds);
	labels_free(&lab);
	return close_stdout(status);
}
