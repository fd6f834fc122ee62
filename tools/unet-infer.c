/* unet-infer — label masks for photos from a trained U-Net: one label PNG
 * per photo at the photo's own size, or photo on stdin to mask on stdout;
 * optional colour overlays. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic.h"
#include "ckpt.h"
#include "cli.h"
#include "infer.h"
#include "maskio.h"
#include "path.h"
#include "parse.h"
#include "pool.h"
#include "xalloc.h"

typedef struct {
	const char *model, *outdir, *overlay;
	int size, batch, threads;
	int letterbox;		/* pad to the square, as mkshards --letterbox */
	int tta;		/* TTA_* */
	uint64_t max_pixels;
} Options;

/* A photo in the batch being predicted: filled by jobs on the pool's
 * threads, reported by the main thread in input order. */
typedef struct {
	const Options *o;
	InferPhoto photo;	/* a file, or stdin's bytes called "stdin" */
	int to_stdout;
	int s, h, w;
	float *x;		/* its network input, [3][s][s] */
	const uint8_t *labels;	/* its prediction, [s][s] */
	char *written;		/* the mask written, to print */
	int ok;
	Err e;
} Item;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: %s -m model [-o dir] [--overlay dir] [--size s] [--letterbox]\n"
	    "       [--tta none|flip] [-b n] [-j n] [--max-pixels n] [image ...]\n",
	    progname);
}

static int
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static void
parse_options(int argc, char **argv, Options *o)
{
	enum { O_OVERLAY = 256, O_SIZE, O_LETTERBOX, O_MAXPIX, O_TTA };
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "overlay", required_argument, NULL, O_OVERLAY },
		{ "size", required_argument, NULL, O_SIZE },
		{ "letterbox", no_argument, NULL, O_LETTERBOX },
		{ "batch", required_argument, NULL, 'b' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "max-pixels", required_argument, NULL, O_MAXPIX },
		{ "tta", required_argument, NULL, O_TTA },
		CLI_COMMON_OPTIONS
	};
	int c;

	*o = (Options){ .outdir = ".", .batch = 4, .threads = cpu_count(),
	    .max_pixels = MASK_MAX_PIXELS };
	while ((c = getopt_long(argc, argv, "hm:o:b:j:", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': o->model = optarg; break;
		case 'o': o->outdir = optarg; break;
		case O_OVERLAY: o->overlay = optarg; break;
		case O_SIZE:
			o->size = (int)opt_long("--size", optarg, 1, 8192);
			break;
		case O_LETTERBOX: o->letterbox = 1; break;
		case O_TTA:
			if (strcmp(optarg, "none") == 0)
				o->tta = TTA_NONE;
			else if (strcmp(optarg, "flip") == 0)
				o->tta = TTA_FLIP;
			else
				usage_error("--tta: 'none' or 'flip'");
			break;
		case 'b':
			o->batch = (int)opt_long("-b", optarg, 1, 1024);
			break;
		case 'j':
			o->threads = cli_jobs(optarg);
			break;
		case O_MAXPIX:
			o->max_pixels = opt_u64("--max-pixels", optarg,
			    1, UINT64_MAX);
			break;
		default:
			cli_common_option(c, usage);
		}
	}
	if (o->model == NULL)
		usage_error("-m model is required");
	if (o->overlay != NULL && (strcmp(o->overlay, o->outdir) == 0 ||
	    same_file(o->overlay, o->outdir)))
		usage_error("-o and --overlay must be different directories");
}

/* dir/STEM.png, STEM the base name of name without its extension. */
static char *
out_path(const char *dir, const char *name)
{
	size_t stem;
	const char *base = path_stem(name, &stem);

	return path_join_stem(dir, base, stem, ".png");
}

/* The PNG bytes to path, unless path is the photo itself. */
static int
write_png(Item *it, const char *path, const void *png, size_t len)
{
	if (!it->to_stdout && same_file(path, it->photo.name))
		return err_set(&it->e, "%s: would overwrite the photo itself; "
		    "skipped", path);
	return atomic_write(path, png, len, &it->e);
}

/* The overlay of a written mask m. */
static int
overlay(Item *it, const uint8_t *m)
{
	char *path = out_path(it->o->overlay, it->photo.name);
	void *png = NULL;
	size_t len;
	int rc = -1;

	if (infer_overlay_png(&it->photo, m, it->h, it->w, &png, &len,
	    &it->e) == 0)
		rc = write_png(it, path, png, len);
	free(png), free(path);
	return rc;
}

/* Pool job: the mask (and overlay) of an item, at the photo's size. */
static void
emit_job(void *arg, int thread)
{
	Item *it = arg;
	uint8_t *m = infer_upsample(it->labels, it->s, it->o->letterbox, it->h,
	    it->w);
	char *path = it->to_stdout ? xstrdup("-") :
	    out_path(it->o->outdir, it->photo.name);
	void *png = NULL;
	size_t len;

	(void)thread;

	it->ok = 0;
	if (infer_mask_png(m, it->h, it->w, &png, &len, &it->e) < 0)
		err_prefix(&it->e, "%s", path);
	else if (write_png(it, path, png, len) == 0) {
		it->written = path;
		path = NULL;
		it->ok = it->o->overlay == NULL || overlay(it, m) == 0;
	}
	free(png), free(path), free(m);
}

/* Pool job: header check, decode at the network's size, normalise. */
static void
decode_job(void *arg, int thread)
{
	Item *it = arg;

	(void)thread;

	it->ok = infer_prepare(&it->photo, it->s, it->o->letterbox,
	    it->o->max_pixels, it->x, &it->h, &it->w, &it->e) == 0;
}

/* Predicts items [0, n): decodes them on the pool, skipping bad photos,
 * runs the network on the good ones, writes their masks on the pool,
 * then reports in input order. */
static int
predict(Pool *pool, Unet *u, int s, Item *it, int n, float *x,
    uint8_t *labels)
{
	size_t plane = (size_t)s * s;
	int ok = 0, status = EXIT_OK;
	Item **good = xmallocarray((size_t)n, sizeof *good);
	Err e;

	for (int i = 0; i < n; i++) {
		it[i].s = s;
		it[i].x = x + (size_t)i * 3 * plane;
		pool_submit(pool, decode_job, &it[i]);
	}
	pool_wait(pool);
	for (int i = 0; i < n; i++) {
		if (!it[i].ok)
			continue;
		/* the network wants the good inputs packed */
		if (it[i].x != x + (size_t)ok * 3 * plane)
			memcpy(x + (size_t)ok * 3 * plane, it[i].x,
			    3 * plane * sizeof *x);
		it[i].labels = labels + (size_t)ok * plane;
		good[ok++] = &it[i];
	}
	if (ok > 0 && infer_labels_tta(u, x, ok, s, it->o->tta, labels,
	    &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	for (int i = 0; i < ok; i++)
		pool_submit(pool, emit_job, good[i]);
	pool_wait(pool);
	for (int i = 0; i < n; i++) {
		if (it[i].written != NULL && !it[i].to_stdout)
			printf("%s\n", it[i].written);
		if (!it[i].ok) {
			warnmsg("%s", it[i].e.msg);
			status = EXIT_BAD;
		}
		free(it[i].written);
		it[i].written = NULL;
	}
	free(good);
	return status;
}

/* Standard input, whole, in memory: libvips decodes it from there. */
static void *
read_stdin(size_t *len)
{
	size_t cap = 1 << 16, n;
	char *buf = xmalloc(cap);

	*len = 0;
	while ((n = fread(buf + *len, 1, cap - *len, stdin)) > 0)
		if ((*len += n) == cap)
			buf = xreallocarray(buf, cap *= 2, 1);
	if (ferror(stdin))
		die(EXIT_BAD, "stdin: %s", strerror(errno));
	return buf;
}

static Unet *
load_model(Options *o, int *s)
{
	CkptInfo info;
	Err e;
	Unet *u = ckpt_load(o->model, &info, &e);

	if (u == NULL)
		die(EXIT_BAD, "%s", e.msg);
	*s = o->size != 0 ? o->size : info.size;
	if (*s == 0) {
		unet_free(u);
		die(EXIT_BAD, "%s: no training size recorded; give --size",
		    o->model);
	}
	/* --size is the user's to fix (exit 2); a recorded size the
	 * network cannot take is a bad model (exit 1, naming it) */
	if (*s % (1 << u->cfg.depth) != 0) {
		int depth = u->cfg.depth;

		unet_free(u);	/* nothing left for a leak check to find */
		if (o->size != 0)
			usage_error("--size %d is not a multiple of 2^depth = "
			    "%d", *s, 1 << depth);
		die(EXIT_BAD, "%s: trained at size %d, which is not a multiple "
		    "of 2^depth = %d", o->model, *s, 1 << depth);
	}
	unet_set_threads(u, o->threads);
	return u;
}

int
main(int argc, char **argv)
{
	Options o;
	Unet *u;
	Item *it;
	Pool *pool;
	float *x;
	uint8_t *labels;
	int s, status = EXIT_OK, n = 0;
	Err e;

	cli_init(argv[0]);
	parse_options(argc, argv, &o);
	if (imaging_init(argv[0], 1, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	u = load_model(&o, &s);
	if (optind == argc)
		o.batch = 1;
	x = xmallocarray((size_t)o.batch * 3 * s, (size_t)s * sizeof *x);
	labels = xmallocarray((size_t)o.batch * s, (size_t)s);
	it = xcalloc((size_t)o.batch, sizeof *it);
	/* the pool and the network take turns: -j threads in all */
	if ((pool = pool_new(o.threads > 1 ? o.threads : 0, (size_t)o.batch,
	    &e)) == NULL)
		die(EXIT_BAD, "%s", e.msg);
	if (optind == argc) {
		void *buf;
		size_t len;

		buf = read_stdin(&len);
		it[0] = (Item){ .o = &o, .to_stdout = 1,
		    .photo = { .name = "stdin", .buf = buf, .len = len } };
		status = predict(pool, u, s, it, 1, x, labels);
		free(buf);
	}
	for (int i = optind; i < argc; i++) {
		it[n] = (Item){ .o = &o, .photo = { .name = argv[i] } };
		if (++n == o.batch || i == argc - 1) {
			if (predict(pool, u, s, it, n, x, labels) != EXIT_OK)
				status = EXIT_BAD;
			n = 0;
		}
	}
	pool_free(pool);
	free(x), free(labels), free(it);
	unet_free(u);
	return close_stdout(status);
}
