/* mkshards — resize photo/mask pairs once and pack them into tar shards
 * (imatseg-shard(5)) for the training loader. See mkshards(1). */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "cli.h"
#include "maskio.h"
#include "pairs.h"
#include "parse.h"
#include "pmap.h"
#include "progress.h"
#include "rng.h"
#include "shard.h"
#include "tar.h"
#include "xalloc.h"

typedef struct {
	const char *list;	/* NULL: stdin, unless the two dirs are given */
	const char *images_dir, *masks_dir;
	const char *pattern;	/* -o, with one %d */
	long per_shard;
	SampleSpec spec;
	uint64_t seed;
	long jobs;
	int quiet;
} Options;

/* What the writer keeps between samples. */
typedef struct {
	const Options *o;
	const Pair **todo;	/* usable pairs, in shuffled order */
	Atomic *out;
	long shard, in_shard;	/* shards committed; samples in the open one */
	size_t n, written;	/* samples in committed shards */
	int bad;
	Progress *progress;	/* NULL unless stderr is a terminal */
} Writer;

typedef struct {
	Sample s;
	int ok;
	Err e;
} Result;

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: %s -o PATTERN [-q] [--letterbox] [-j N] "
	    "[--max-pixels N]\n"
	    "       [--per-shard N] [--seed N] [--size S] "
	    "[--list FILE | --images DIR --masks DIR]\n"
	    "Resizes photo/mask pairs (IMAGE<TAB>MASK lines on stdin) to SxS and\n"
	    "writes them in a seeded random order to tar shards named by PATTERN\n"
	    "(one %%d, e.g. shards/train-%%04d.tar).\n", progname);
}

enum { MAX_WIDTH = 64 };	/* of %0Nd: wider is no shard name */

/* The width of the conversion whose digits start at *p (0 when there
 * are none), *p moved past them; -1 when it is over MAX_WIDTH. */
static int
width_of(const char **p)
{
	int width = 0;

	for (; **p >= '0' && **p <= '9'; (*p)++)
		if ((width = width * 10 + (**p - '0')) > MAX_WIDTH)
			width = MAX_WIDTH + 1;	/* and read on, no overflow */
	return width > MAX_WIDTH ? -1 : width;
}

/* PATTERN must hold exactly one %d, optionally %0Nd with N up to
 * MAX_WIDTH; %% is a percent. */
static void
check_pattern(const char *pattern)
{
	int convs = 0;

	for (const char *p = pattern; *p && convs <= 1; p++) {
		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		p++;
		if (*p == '0')
			p++;
		if (width_of(&p) < 0)
			usage_error("-o: '%s': the width of %%d is at most %d",
			    pattern, MAX_WIDTH);
		convs += *p == 'd' ? 1 : 2;	/* another conversion: refused */
		if (*p == '\0')
			break;
	}
	if (convs != 1)
		usage_error("-o: '%s' needs exactly one %%d (e.g. "
		    "train-%%04d.tar)", pattern);
}

static void
shard_name(const char *pattern, long k, char *buf, size_t len)
{
	size_t n = 0;

	for (const char *p = pattern; *p && n + 1 < len; p++) {
		int zero = 0, width, w;

		if (*p != '%') {
			buf[n++] = *p;
			continue;
		}
		if (*++p == '%') {
			buf[n++] = '%';
			continue;
		}
		if (*p == '0')
			zero = 1, p++;
		width = width_of(&p);	/* checked: 0 to MAX_WIDTH */
		w = snprintf(buf + n, len - n, zero ? "%0*ld" : "%*ld", width,
		    k);
		n += w > 0 ? (size_t)w : 0;
		if (n >= len)
			n = len - 1;
	}
	buf[n] = '\0';
}

static void
parse_options(int argc, char **argv, Options *o)
{
	static const struct option longopts[] = {
		{ "list", required_argument, NULL, 'l' },
		{ "images", required_argument, NULL, 'I' },
		{ "masks", required_argument, NULL, 'M' },
		{ "output", required_argument, NULL, 'o' },
		{ "per-shard", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "letterbox", no_argument, NULL, 'L' },
		{ "seed", required_argument, NULL, 'S' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "max-pixels", required_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		CLI_COMMON_OPTIONS
	};
	int c;

	*o = (Options){ .per_shard = 1000, .jobs = cpu_count(),
	    .spec = { .size = 256, .max_pixels = MASK_MAX_PIXELS } };
	while ((c = getopt_long(argc, argv, "hj:o:q", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': o->list = optarg; break;
		case 'I': o->images_dir = optarg; break;
		case 'M': o->masks_dir = optarg; break;
		case 'o': o->pattern = optarg; break;
		case 'L': o->spec.letterbox = 1; break;
		case 'q': o->quiet = 1; break;
		case 'n':
			o->per_shard = opt_long("--per-shard", optarg,
			    1, 100000000);
			break;
		case 's':
			o->spec.size = (int)opt_long("--size", optarg, 1, 8192);
			break;
		case 'S':
			o->seed = opt_u64("--seed", optarg, 0, UINT64_MAX);
			break;
		case 'j':
			o->jobs = cli_jobs(optarg);
			break;
		case 'P':
			o->spec.max_pixels = opt_u64("--max-pixels", optarg,
			    1, UINT64_MAX);
			break;
		default: cli_common_option(c, usage);
		}
	}
	if (optind != argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (o->pattern == NULL)
		usage_error("-o PATTERN is required");
	check_pattern(o->pattern);
	if ((o->images_dir == NULL) != (o->masks_dir == NULL))
		usage_error("--images and --masks go together");
	if (o->images_dir != NULL && o->list != NULL)
		usage_error("--list and --images/--masks exclude each other");
}

static void
read_pairs(const Options *o, PairList *pl)
{
	FILE *fp = stdin;
	Err e;

	if (o->images_dir != NULL) {
		if (pairs_read_dirs(pl, o->images_dir, o->masks_dir, &e) < 0)
			die(EXIT_BAD, "%s", e.msg);
		return;
	}
	if (o->list != NULL && strcmp(o->list, "-") != 0 &&
	    (fp = fopen(o->list, "r")) == NULL)
		die(EXIT_BAD, "%s: %s", o->list, strerror(errno));
	if (pairs_read_list(pl, fp, o->list ? o->list : "stdin", &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	if (fp != stdin)
		fclose(fp);
}

/* The usable pairs, in an order that depends on the seed only. */
static const Pair **
shuffled(const Options *o, PairList *pl, size_t *n, int *bad)
{
	const Pair **ok = xmallocarray(pl->n ? pl->n : 1, sizeof *ok);
	const Pair **out = xmallocarray(pl->n ? pl->n : 1, sizeof *out);
	uint32_t *order = xmallocarray(pl->n ? pl->n : 1, sizeof *order);
	Rng rng;

	*n = 0;
	for (size_t i = 0; i < pl->n; i++) {
		if (pl->v[i].error != NULL) {
			warnmsg("%s: %s", pl->v[i].where, pl->v[i].error);
			*bad = 1;
		} else {
			order[*n] = (uint32_t)*n;
			ok[(*n)++] = &pl->v[i];
		}
	}
	rng_seed(&rng, o->seed);
	rng_shuffle_u32(&rng, order, *n);
	for (size_t i = 0; i < *n; i++)
		out[i] = ok[order[i]];
	free(order);
	free(ok);
	return out;
}

static void
work(uint64_t i, void *slot, void *arg)
{
	Writer *w = arg;
	Result *r = slot;
	const Pair *p = w->todo[i];

	r->ok = sample_make(p->image, p->mask, &w->o->spec, &r->s, &r->e) == 0;
}

static int
close_shard(Writer *w)
{
	Err e;
	Atomic *a = w->out;

	if (a == NULL)
		return 0;
	w->out = NULL;
	if (tar_write_end(atomic_file(a), &e) < 0) {
		warnmsg("%s: %s", atomic_path(a), e.msg);
		atomic_abort(a);
		return -1;
	}
	if (atomic_commit(a, &e) < 0) {
		warnmsg("%s", e.msg);
		return -1;
	}
	w->shard++;
	w->written += (size_t)w->in_shard;
	w->in_shard = 0;
	return 0;
}

/* Runs in the main thread, in order: the output never depends on -j. */
static int
done(uint64_t i, void *slot, void *arg)
{
	Writer *w = arg;
	Result *r = slot;
	char name[4096];
	Err e;
	int rc;

	if (!r->ok) {
		warnmsg("%s: %s", w->todo[i]->where, r->e.msg);
		w->bad = 1;
		return 0;
	}
	if (w->out == NULL) {
		shard_name(w->o->pattern, w->shard, name, sizeof name);
		if ((w->out = atomic_open(name, &e)) == NULL) {
			sample_free(&r->s);
			warnmsg("%s", e.msg);
			return -1;
		}
	}
	rc = shard_write_sample(atomic_file(w->out), &r->s, &e);
	sample_free(&r->s);
	if (rc < 0) {
		warnmsg("%s: %s", atomic_path(w->out), e.msg);
		atomic_abort(w->out);
		w->out = NULL;
		return -1;
	}
	progress_update(w->progress, i + 1, w->written + (size_t)w->in_shard + 1);
	if (++w->in_shard == w->o->per_shard)
		return close_shard(w);
	return 0;
}

int
main(int argc, char **argv)
{
	Options o;
	PairList pl = { 0 };
	Writer w = { 0 };
	size_t n;
	Err e;

	cli_init(argv[0]);
	parse_options(argc, argv, &o);
	/* Our threads do the parallel work: one libvips thread each. */
	if (imaging_init(argv[0], 1, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	read_pairs(&o, &pl);
	pairs_check_keys(&pl);
	w.o = &o;
	w.todo = shuffled(&o, &pl, &n, &w.bad);
	w.n = n;
	w.progress = progress_new(cli_progress_wanted(o.quiet), "samples", n);
	if (pmap_ordered(n, (int)o.jobs, sizeof(Result), work, done, &w,
	    &e) < 0 || close_shard(&w) < 0) {
		if (w.out != NULL)
			atomic_abort(w.out);
		w.bad = 1;
	}
	progress_free(w.progress);
	if (!o.quiet)
		fprintf(stderr, "%s: %zu samples in %ld shards\n", progname,
		    w.written, w.shard);
	free(w.todo);
	pairs_free(&pl);
	return close_stdout(w.bad ? EXIT_BAD : EXIT_OK);
}
