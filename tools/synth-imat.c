/* synth-imat — a synthetic data set laid out like the competition's:
 * train.csv (2019 layout), train/ID.jpg and label_descriptions.json, and
 * optionally test/ID.jpg with a hidden test-truth.csv. The seed and the
 * counts decide every byte; -j only decides how fast. */
#include <errno.h>
#include <getopt.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic.h"
#include "cli.h"
#include "labels.h"
#include "maskio.h"
#include "parse.h"
#include "path.h"
#include "pool.h"
#include "synth.h"
#include "xalloc.h"

#define MAX_IMAGES 10000000L

typedef struct {
	const char *outdir;
	long images, tests;
	SynthParams p;
	int csv_only;
	int quality;
	int jobs;
} Options;

/* One image: drawn, its photo written, its rows kept for the CSV. */
struct job {
	const Options *o;
	const char *dir;	/* where the photo goes */
	int set;
	uint64_t index;
	char *rows;
	int failed;
	Err e;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: %s -o dir [-n images] [--test n] [-s seed] [--csv-only]\n"
	    "       [--min-side px] [--max-side px] [--quality q] [-j n]\n",
	    progname);
}

static void
parse_options(int argc, char **argv, Options *o)
{
	enum { O_TEST = 256, O_CSV, O_MIN, O_MAX, O_QUALITY };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "images", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "test", required_argument, NULL, O_TEST },
		{ "csv-only", no_argument, NULL, O_CSV },
		{ "min-side", required_argument, NULL, O_MIN },
		{ "max-side", required_argument, NULL, O_MAX },
		{ "quality", required_argument, NULL, O_QUALITY },
		CLI_COMMON_OPTIONS
	};
	int c;

	*o = (Options){ .images = 200, .quality = 90,
	    .jobs = cpu_count(), .p = { .seed = 1, .min_side = 300 } };
	while ((c = getopt_long(argc, argv, "o:n:s:j:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->outdir = optarg;
			break;
		case 'n':
			o->images = opt_long("--images", optarg, 0, MAX_IMAGES);
			break;
		case 's':
			o->p.seed = opt_u64("--seed", optarg, 0, UINT64_MAX);
			break;
		case 'j':
			o->jobs = cli_jobs(optarg);
			break;
		case O_TEST:
			o->tests = opt_long("--test", optarg, 0, MAX_IMAGES);
			break;
		case O_CSV:
			o->csv_only = 1;
			break;
		case O_MIN:
			o->p.min_side = (int)opt_long("--min-side", optarg,
			    16, 10000);
			break;
		case O_MAX:
			o->p.max_side = (int)opt_long("--max-side", optarg,
			    16, 10000);
			break;
		case O_QUALITY:
			o->quality = (int)opt_long("--quality", optarg, 1, 100);
			break;
		default:
			cli_common_option(c, usage);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (o->outdir == NULL)
		usage_error("-o DIR is required (where the data set goes)");
	/* Photos this large take seconds each: the demo wants small ones,
	 * a benchmark CSV the sizes of the real data set. */
	if (o->p.max_side == 0)
		o->p.max_side = o->csv_only ? 6000 : 1500;
	if (o->p.min_side > o->p.max_side)
		usage_error("--min-side %d is larger than --max-side %d",
		    o->p.min_side, o->p.max_side);
}

static void
make_dir(const char *path)
{
	Err e;

	if (path_mkdirs(path, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
}

/* The shipped label_descriptions.json, copied byte for byte. */
static void
copy_labels(const char *outdir)
{
	char src[4096], *buf = NULL, *dst = path_join(outdir,
	    "label_descriptions.json");
	size_t len = 0, cap = 0, n;
	FILE *fp;
	Err e;

	if (labels_shipped_path(src, sizeof src) < 0)
		die(EXIT_BAD, "cannot find the shipped label_descriptions.json");
	if ((fp = fopen(src, "rb")) == NULL)
		die(EXIT_BAD, "%s: %s", src, strerror(errno));
	do {
		if (len == cap)
			buf = xreallocarray(buf, cap = cap ? 2 * cap : 65536, 1);
		len += n = fread(buf + len, 1, cap - len, fp);
	} while (n > 0);
	if (ferror(fp))
		die(EXIT_BAD, "%s: %s", src, strerror(errno));
	fclose(fp);
	if (atomic_write(dst, buf, len, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	free(buf);
	free(dst);
}

static void
make_image(void *arg, int thread)
{
	struct job *j = arg;
	SynthScene *s = synth_scene_new(&j->o->p, j->set, j->index, &j->e);
	char id[33], name[40];
	size_t nrows;

	(void)thread;

	if (s == NULL) {
		j->failed = 1;
		return;
	}
	synth_image_id(j->o->p.seed, j->set, j->index, id);
	snprintf(name, sizeof name, "%s.jpg", id);
	j->rows = synth_rows(s, name, &nrows);
	if (!j->o->csv_only) {
		char *path = path_join(j->dir, name);
		void *jpeg = NULL;
		size_t len;

		if (synth_photo_jpeg(s, j->o->quality, &jpeg, &len, &j->e) < 0 ||
		    atomic_write(path, jpeg, len, &j->e) < 0)
			j->failed = 1;
		free(jpeg);
		free(path);
	}
	synth_scene_free(s);
}

/* One set: its images drawn in batches on the pool, their rows written
 * in index order, so the CSV does not depend on -j. */
static int
write_set(const Options *o, Pool *pool, int set, long count,
    const char *csvname, const char *dirname)
{
	char *csv = path_join(o->outdir, csvname), *dir = NULL;
	long batch = 8L * o->jobs;
	struct job *jobs = xcalloc((size_t)batch, sizeof *jobs);
	int status = EXIT_OK;
	Atomic *a;
	FILE *fp;
	Err e;

	if (!o->csv_only)
		make_dir(dir = path_join(o->outdir, dirname));
	if ((a = atomic_open(csv, &e)) == NULL)
		die(EXIT_BAD, "%s", e.msg);
	fp = atomic_file(a);
	fputs("ImageId,EncodedPixels,Height,Width,ClassId\n", fp);
	for (long first = 0; first < count; first += batch) {
		long n = count - first < batch ? count - first : batch;

		for (long i = 0; i < n; i++) {
			jobs[i] = (struct job){ .o = o, .dir = dir, .set = set,
			    .index = (uint64_t)(first + i) };
			pool_submit(pool, make_image, &jobs[i]);
		}
		pool_wait(pool);
		for (long i = 0; i < n; i++) {
			if (jobs[i].failed) {
				warnmsg("%s", jobs[i].e.msg);
				status = EXIT_BAD;
			}
			if (jobs[i].rows != NULL)
				fputs(jobs[i].rows, fp);
			free(jobs[i].rows);
		}
	}
	if (atomic_commit(a, &e) < 0) {
		warnmsg("%s", e.msg);
		status = EXIT_BAD;
	}
	free(jobs);
	free(dir);
	free(csv);
	return status;
}

int
main(int argc, char **argv)
{
	Options o;
	Pool *pool;
	int status;
	Err e;

	cli_init(argv[0]);
	parse_options(argc, argv, &o);
	make_dir(o.outdir);
	copy_labels(o.outdir);
	if (!o.csv_only && imaging_init(argv[0], 1, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	if ((pool = pool_new(o.jobs > 1 ? o.jobs : 0, 2 * (size_t)o.jobs,
	    &e)) == NULL)
		die(EXIT_BAD, "%s", e.msg);
	status = write_set(&o, pool, SYNTH_TRAIN, o.images, "train.csv", "train");
	if (o.tests > 0 && write_set(&o, pool, SYNTH_TEST, o.tests,
	    "test-truth.csv", "test") != EXIT_OK)
		status = EXIT_BAD;
	pool_free(pool);
	return close_stdout(status);
}
