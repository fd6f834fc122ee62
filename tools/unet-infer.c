/* unet-infer — label masks for photos from a trained U-Net: one label PNG
 * per photo at the photo's own size, or photo on stdin to mask on stdout;
 * optional colour overlays. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt.h"
#include "cli.h"
#include "image.h"
#include "infer.h"
#include "maskio.h"
#include "palette.h"
#include "path.h"
#include "parse.h"
#include "pool.h"
#include "xalloc.h"

#define OVERLAY_ALPHA 0.5f

typedef struct {
	const char *model, *outdir, *overlay;
	int size, batch, threads;
	int letterbox;		/* pad to the square, as mkshards --letterbox */
	uint64_t max_pixels;
} Options;

/* A photo in the batch being predicted: filled by jobs on the pool's
 * threads, reported by the main thread in input order. */
typedef struct {
	const Options *o;
	const char *path;	/* what to decode */
	const char *name;	/* for messages and the output's stem */
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
	    "       [-b n] [-j n] [--max-pixels n] [image ...]\n", progname);
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
	enum { O_OVERLAY = 256, O_SIZE, O_LETTERBOX, O_MAXPIX };
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "overlay", required_argument, NULL, O_OVERLAY },
		{ "size", required_argument, NULL, O_SIZE },
		{ "letterbox", no_argument, NULL, O_LETTERBOX },
		{ "batch", required_argument, NULL, 'b' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "max-pixels", required_argument, NULL, O_MAXPIX },
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

/* The overlay of a written mask m. */
static int
overlay(Item *it, const uint8_t *m)
{
	char *path = out_path(it->o->overlay, it->to_stdout ? "stdin" :
	    it->name);
	uint8_t *rgb = NULL;
	int rc = -1;

	if (same_file(path, it->path))
		err_set(&it->e, "%s: would overwrite the photo itself; skipped",
		    path);
	else if (photo_load_resized(it->path, it->h, it->w, &rgb, &it->e) == 0) {
		palette_blend(rgb, m, (size_t)it->h * it->w, OVERLAY_ALPHA);
		rc = rgb_write_png(path, rgb, it->h, it->w, &it->e);
	}
	free(rgb), free(path);
	return rc;
}

/* Pool job: the mask (and overlay) of an item, at the photo's size. */
static void
emit_job(void *arg)
{
	Item *it = arg;
	uint8_t *m = xmalloc((size_t)it->h * it->w);
	char *path = it->to_stdout ? xstrdup("-") :
	    out_path(it->o->outdir, it->name);

	it->ok = 0;
	mask_from_square(it->labels, it->s, it->o->letterbox, it->h, it->w, m);
	if (!it->to_stdout && same_file(path, it->path))
		err_set(&it->e, "%s: would overwrite the photo itself; skipped",
		    path);
	else if (mask_write(path, m, it->h, it->w, 6, NULL, &it->e) == 0) {
		it->written = path;
		path = NULL;
		it->ok = it->o->overlay == NULL || overlay(it, m) == 0;
	}
	free(path), free(m);
}

/* Pool job: header check, decode at the network's size, normalise. */
/* A photo's failure. For stdin the message names "stdin", not the
 * temporary file the photo was spooled to. */
static void
report(const Item *it)
{
	char buf[sizeof it->e.msg];
	const char *msg = it->e.msg, *at;
	size_t n = strlen(it->path), len = 0;

	while (n > 0 && (at = strstr(msg, it->path)) != NULL) {
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%.*s%s",
		    (int)(at - msg), msg, it->name);
		if (len >= sizeof buf)
			break;
		msg = at + n;
	}
	if (len < sizeof buf)
		snprintf(buf + len, sizeof buf - len, "%s", msg);
	warnmsg("%s", buf);
}

static void
decode_job(void *arg)
{
	Item *it = arg;
	uint8_t *rgb;

	it->ok = photo_header(it->path, it->o->max_pixels, &it->h, &it->w,
	    &it->e) == 0 && photo_load_square(it->path, it->h, it->w, it->s,
	    it->o->letterbox, &rgb, &it->e) == 0;
	if (it->ok) {
		infer_input(rgb, it->s, it->x);
		free(rgb);
	}
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
	if (ok > 0 && infer_labels(u, x, ok, s, labels, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	for (int i = 0; i < ok; i++)
		pool_submit(pool, emit_job, good[i]);
	pool_wait(pool);
	for (int i = 0; i < n; i++) {
		if (it[i].written != NULL && !it[i].to_stdout)
			printf("%s\n", it[i].written);
		if (!it[i].ok) {
			report(&it[i]);
			status = EXIT_BAD;
		}
		free(it[i].written);
		it[i].written = NULL;
	}
	free(good);
	return status;
}

/* Standard input into a temporary file, which libvips can open by name.
 * Returns its path (the caller unlinks it). */
static char *
stdin_to_file(void)
{
	const char *dir = getenv("TMPDIR");
	char *path, buf[65536];
	size_t n, len;
	FILE *fp;
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	len = strlen(dir) + 24;
	path = xmalloc(len);
	snprintf(path, len, "%s/unet-infer.XXXXXX", dir);
	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "wb")) == NULL)
		die(EXIT_BAD, "%s: %s", path, strerror(errno));
	while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
		if (fwrite(buf, 1, n, fp) != n)
			break;
	if (ferror(stdin) || fclose(fp) != 0) {
		unlink(path);
		die(EXIT_BAD, "stdin: %s", strerror(errno));
	}
	return path;
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
	if (*s == 0)
		die(EXIT_BAD, "%s: no training size recorded; give --size",
		    o->model);
	/* --size is the user's to fix (exit 2); a recorded size the
	 * network cannot take is a bad model (exit 1, naming it) */
	if (*s % (1 << u->cfg.depth) != 0 && o->size != 0)
		usage_error("--size %d is not a multiple of 2^depth = %d", *s,
		    1 << u->cfg.depth);
	if (*s % (1 << u->cfg.depth) != 0)
		die(EXIT_BAD, "%s: trained at size %d, which is not a multiple "
		    "of 2^depth = %d", o->model, *s, 1 << u->cfg.depth);
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
	char *tmp = NULL;
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
	pool = pool_new(o.threads > 1 ? o.threads : 0, o.batch);
	if (optind == argc) {
		tmp = stdin_to_file();
		it[0] = (Item){ .o = &o, .path = tmp, .name = "stdin",
		    .to_stdout = 1 };
		status = predict(pool, u, s, it, 1, x, labels);
		unlink(tmp);
		free(tmp);
	}
	for (int i = optind; i < argc; i++) {
		it[n] = (Item){ .o = &o, .path = argv[i], .name = argv[i] };
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
