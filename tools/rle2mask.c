/* rle2mask — train.csv rows to label PNGs, one per image; or, with
 * --stats, per-category and per-attribute counts of the data set. */
#include <errno.h>
#include <getopt.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "cli.h"
#include "labels.h"
#include "maskio.h"
#include "parse.h"
#include "path.h"
#include "pool.h"
#include "progress.h"
#include "render.h"
#include "reread.h"
#include "hash.h"
#include "strmap.h"
#include "trainrows.h"
#include "xalloc.h"

typedef struct {
	const char *input;	/* "-" for stdin */
	const char *outdir;
	const char *labels;
	Overlap overlap;
	int stats;
	int quiet;
	int jobs;
	int level;
	long shard_i, shard_n;
	uint64_t max_pixels;
} Options;

/* Everything one run shares between the reading loop and the writers. */
struct run {
	const Options *o;
	Labels labels;
	FILE *fp;
	Reread again;		/* for the second pass */
	Pool *pool;
	AtomicBatch *batch;	/* masks are synced and renamed in batches */
	atomic_int failed;
	StrMap *done;		/* stem -> size_key(height, width) */
	StrMap *late;		/* stems whose rows are not consecutive */
	Progress *progress;	/* NULL unless stderr is a terminal */
	uint64_t input_size;	/* bytes, when the input is a file */
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: %s [-q] [-o dir] [--overlap area|order|category] [-j n]\n"
	    "       [--shard i/n] [--compression level] [--max-pixels n]\n"
	    "       [--labels file] [--stats] [train.csv | -]\n", progname);
}

static void
parse_options(int argc, char **argv, Options *o)
{
	enum { O_OVERLAP = 256, O_STATS, O_SHARD, O_LEVEL, O_MAXPIX, O_LABELS };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "overlap", required_argument, NULL, O_OVERLAP },
		{ "stats", no_argument, NULL, O_STATS },
		{ "shard", required_argument, NULL, O_SHARD },
		{ "compression", required_argument, NULL, O_LEVEL },
		{ "max-pixels", required_argument, NULL, O_MAXPIX },
		{ "labels", required_argument, NULL, O_LABELS },
		CLI_COMMON_OPTIONS
	};
	Err e;
	int c;

	*o = (Options){ .input = "-", .overlap = OVERLAP_AREA,
	    .jobs = cpu_count(), .level = 6, .shard_n = 1,
	    .max_pixels = MASK_MAX_PIXELS };
	while ((c = getopt_long(argc, argv, "o:j:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->outdir = optarg;
			break;
		case 'j':
			o->jobs = cli_jobs(optarg);
			break;
		case 'q':
			o->quiet = 1;
			break;
		case O_OVERLAP:
			if (overlap_parse(optarg, &o->overlap) < 0)
				usage_error("--overlap: '%s' is not area, order or "
				    "category", optarg);
			break;
		case O_STATS:
			o->stats = 1;
			break;
		case O_SHARD:
			if (parse_shard(optarg, &o->shard_i, &o->shard_n, &e) < 0)
				usage_error("--shard: %s", e.msg);
			break;
		case O_LEVEL:
			o->level = (int)opt_long("--compression", optarg, 0, 9);
			break;
		case O_MAXPIX:
			o->max_pixels = opt_u64("--max-pixels", optarg,
			    1, RLE_MAX_PIXELS);
			break;
		case O_LABELS:
			o->labels = optarg;
			break;
		default:
			cli_common_option(c, usage);
		}
	}
	if (argc - optind > 1)
		usage_error("one input file at most");
	if (optind < argc)
		o->input = argv[optind];
	if (!o->stats && o->outdir == NULL)
		usage_error("-o DIR is required (where the masks go)");
}

static int
in_shard(const Options *o, const TrainRow *row)
{
	return o->shard_n == 1 ||
	    hash_fnv1a(row->stem, row->stem_len) % (uint64_t)o->shard_n ==
	    (uint64_t)o->shard_i;
}

struct write_job {
	struct run *run;
	ImageMasks masks;
};

/* On a worker thread: overlaps resolved, PNG encoded, file renamed in. */
static void
write_mask(void *arg, int thread)
{
	struct write_job *j = arg;
	const Options *o = j->run->o;
	uint8_t *px = imasks_render(&j->masks, o->overlap);
	char *path = path_join_stem(o->outdir, j->masks.stem,
	    strlen(j->masks.stem), ".png");
	Err e;

	(void)thread;

	if (mask_write(path, px, (int)j->masks.height, (int)j->masks.width,
	    o->level, j->run->batch, &e) < 0) {
		warnmsg("%s", e.msg);
		atomic_store(&j->run->failed, 1);
	}
	free(path);
	free(px);
	imasks_free(&j->masks);
	free(j);
}

static struct write_job *
job_new(struct run *run, const TrainRow *row)
{
	struct write_job *j = xmalloc(sizeof *j);

	j->run = run;
	imasks_init(&j->masks, row->stem, row->stem_len, row->height, row->width);
	return j;
}

/* An image's size as one value, for the done map. */
static uint64_t
size_key(uint32_t height, uint32_t width)
{
	return (uint64_t)height << 32 | width;
}

/* Rows of an image already written: its size must agree. */
static int
check_size(const TrainRow *row, uint64_t size, const char *name)
{
	uint32_t h = (uint32_t)(size >> 32), w = (uint32_t)size;

	if (row->height == h && row->width == w)
		return 0;
	warnmsg("%s:%llu: Height x Width %ux%u differs from %ux%u of an "
	    "earlier row of %s", name, (unsigned long long)row->line,
	    row->height, row->width, h, w, row->image_id);
	return -1;
}

static void
report(struct run *run, uint64_t images)
{
	long at;

	if (run->progress == NULL)
		return;
	at = run->input_size ? ftell(run->fp) : 0;
	progress_update(run->progress, at > 0 ? (uint64_t)at : 0, images);
}

/* First pass: consecutive rows of an image make one mask; rows of an image
 * seen before are set aside (their stem goes to run->late). */
static int
masks_pass(struct run *run, TrainReader *tr, const char *name)
{
	struct write_job *cur = NULL;
	const TrainRow *row;
	int status = EXIT_OK, rc;
	Err e;

	while ((rc = train_next(tr, &row, &e)) != 0) {
		uint64_t *size;
		int added;

		if (rc < 0 || rc == 2) {
			warnmsg("%s", e.msg);
			status = EXIT_BAD;
			if (rc < 0)
				break;
			continue;
		}
		if (!in_shard(run->o, row))
			continue;
		/* strncmp stops at the end of a shorter stem, so the NUL
		 * test after it reads within cur's */
		if (cur != NULL &&
		    strncmp(cur->masks.stem, row->stem, row->stem_len) == 0 &&
		    cur->masks.stem[row->stem_len] == '\0') {
			if (row->height != cur->masks.height ||
			    row->width != cur->masks.width) {
				check_size(row, size_key(cur->masks.height,
				    cur->masks.width), name);
				status = EXIT_BAD;
			} else {
				imasks_add(&cur->masks, &row->rle, row->category, row->line);
			}
			continue;
		}
		size = strmap_put(run->done, row->stem, row->stem_len, &added);
		if (!added) {
			if (check_size(row, *size, name) < 0)
				status = EXIT_BAD;
			else
				strmap_put(run->late, row->stem, row->stem_len, NULL);
			continue;
		}
		*size = size_key(row->height, row->width);
		if (cur != NULL)
			pool_submit(run->pool, write_mask, cur);
		report(run, strmap_count(run->done));
		cur = job_new(run, row);
		imasks_add(&cur->masks, &row->rle, row->category, row->line);
	}
	if (cur != NULL)
		pool_submit(run->pool, write_mask, cur);
	return status;
}

/* Second pass, only when some image's rows were not consecutive: all rows
 * of those images, gathered (their errors were reported already). */
static void
late_pass(struct run *run, TrainReader *tr)
{
	size_t n = strmap_count(run->late), k = 0;
	struct write_job **jobs = xcalloc(n, sizeof *jobs);
	const TrainRow *row;
	uint64_t *slot;
	int rc;
	Err e;

	while ((rc = train_next(tr, &row, &e)) != 0) {
		if (rc < 0)
			break;
		if (rc != 1)
			continue;
		if ((slot = strmap_get(run->late, row->stem, row->stem_len)) == NULL)
			continue;
		if (*strmap_get(run->done, row->stem, row->stem_len) !=
		    size_key(row->height, row->width))
			continue;
		if (*slot == 0) {
			jobs[k] = job_new(run, row);
			*slot = ++k;
		}
		imasks_add(&jobs[*slot - 1]->masks, &row->rle, row->category,
		    row->line);
	}
	for (size_t i = 0; i < k; i++)
		pool_submit(run->pool, write_mask, jobs[i]);
	free(jobs);
}

/* --stats: rows, distinct images, pixels and the mean share of its
 * image a row's mask covers, per category and attribute, and per number
 * of objects in an image and of attributes on an object. */
struct counts {
	uint64_t rows, images, pixels;
	double share;		/* sum over the rows of area / (H * W) */
};

/* What an image's objects add to its objects_per_image line. */
struct image_sums {
	uint64_t rows, pixels;
	double share;
};

/* A histogram: line n counts what has n of something. */
struct hist {
	struct counts *c;
	int n;
};

struct stats {
	struct counts cat[LABEL_MAX_CATEGORIES], total;
	struct hist attr, nattrs;	/* by attribute id; by attribute count */
	struct image_sums *img;		/* by image number */
	size_t nimg;
	StrMap *seen;		/* stems, and "stem\tcN" / "stem\taN" pairs */
	StrMap *index;		/* stem -> image number + 1 */
};

static struct counts *
hist_at(struct hist *h, int i)
{
	if (i >= h->n) {
		int n = i + 1;

		h->c = xreallocarray(h->c, (size_t)n, sizeof *h->c);
		memset(h->c + h->n, 0, (size_t)(n - h->n) * sizeof *h->c);
		h->n = n;
	}
	return &h->c[i];
}

/* Is this the first row of this image with this category ('c') or
 * attribute ('a') id? */
static int
first_in_image(struct stats *s, const TrainRow *row, char kind, int id)
{
	char tail[32];
	int len = snprintf(tail, sizeof tail, "\t%c%d", kind, id), added;
	char *key = xmalloc(row->stem_len + (size_t)len);

	memcpy(key, row->stem, row->stem_len);
	memcpy(key + row->stem_len, tail, (size_t)len);
	strmap_put(s->seen, key, row->stem_len + (size_t)len, &added);
	free(key);
	return added;
}

static void
add_row(struct counts *c, uint64_t area, double share, int first)
{
	c->rows++;
	c->pixels += area;
	c->share += share;
	c->images += first;
}

static void
count_row(struct stats *s, const TrainRow *row)
{
	uint64_t area = rle_area(&row->rle), *slot;
	double share = (double)area / ((double)row->height * row->width);
	struct image_sums *im;
	int added;

	strmap_put(s->seen, row->stem, row->stem_len, &added);
	add_row(&s->total, area, share, added);
	add_row(&s->cat[row->category], area, share,
	    first_in_image(s, row, 'c', row->category));
	for (int i = 0; i < row->nattrs; i++)
		add_row(hist_at(&s->attr, row->attrs[i]), area, share,
		    first_in_image(s, row, 'a', row->attrs[i]));
	add_row(hist_at(&s->nattrs, row->nattrs), area, share,
	    first_in_image(s, row, 'n', row->nattrs));
	slot = strmap_put(s->index, row->stem, row->stem_len, &added);
	if (added) {
		s->img = xreallocarray(s->img, s->nimg + 1, sizeof *s->img);
		s->img[s->nimg] = (struct image_sums){ 0 };
		*slot = ++s->nimg;
	}
	im = &s->img[*slot - 1];
	im->rows++;
	im->pixels += area;
	im->share += share;
}

static void
print_counts(const char *kind, int id, const char *name, const struct counts *c)
{
	printf("%s\t", kind);
	if (id >= 0)
		printf("%d", id);
	printf("\t%s\t%llu\t%llu\t%llu\t", name, (unsigned long long)c->rows,
	    (unsigned long long)c->images, (unsigned long long)c->pixels);
	if (c->rows > 0)
		printf("%.6g\n", c->share / (double)c->rows);
	else
		printf("nan\n");
}

static void
print_stats(struct stats *s, const Labels *labels)
{
	struct hist objects = { 0 };

	for (size_t i = 0; i < s->nimg; i++) {
		struct counts *c = hist_at(&objects, (int)s->img[i].rows);

		c->rows += s->img[i].rows;
		c->images++;
		c->pixels += s->img[i].pixels;
		c->share += s->img[i].share;
	}
	printf("kind\tid\tname\trows\timages\tpixels\tshare\n");
	for (int i = 0; i < labels->ncat; i++)
		print_counts("category", i, labels_category(labels, i), &s->cat[i]);
	for (int i = 0; i < s->attr.n || i < labels->nattr; i++) {
		static const struct counts zero;
		const char *name = labels_attribute(labels, i);

		if ((i < s->attr.n && s->attr.c[i].rows) || *name)
			print_counts("attribute", i, name, i < s->attr.n ?
			    &s->attr.c[i] : &zero);
	}
	for (int i = 1; i < objects.n; i++)
		print_counts("objects_per_image", i, "", &objects.c[i]);
	for (int i = 0; i < s->nattrs.n; i++)
		print_counts("attributes_per_object", i, "", &s->nattrs.c[i]);
	print_counts("total", -1, "", &s->total);
	free(objects.c);
}

static int
stats_pass(struct run *run, TrainReader *tr)
{
	struct stats s = { .seen = strmap_new(), .index = strmap_new() };
	const TrainRow *row;
	int status = EXIT_OK, rc;
	Err e;

	while ((rc = train_next(tr, &row, &e)) != 0) {
		if (rc != 1) {
			warnmsg("%s", e.msg);
			status = EXIT_BAD;
			if (rc < 0)
				break;
			continue;
		}
		if (in_shard(run->o, row))
			count_row(&s, row);
	}
	print_stats(&s, &run->labels);
	strmap_free(s.seen);
	strmap_free(s.index);
	free(s.attr.c), free(s.nattrs.c), free(s.img);
	return status;
}

int
main(int argc, char **argv)
{
	Options o;
	struct run run = { .o = &o };
	TrainOptions to;
	TrainReader *tr;
	const char *name;
	struct stat st;
	int status;
	Err e;

	cli_init(argv[0]);
	parse_options(argc, argv, &o);
	if (labels_open(&run.labels, o.labels, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	if (!o.stats && (stat(o.outdir, &st) != 0 || !S_ISDIR(st.st_mode)))
		die(EXIT_BAD, "%s: not a directory", o.outdir);
	if (imaging_init(argv[0], 1, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	run.fp = cli_open_input(o.input);
	name = strcmp(o.input, "-") == 0 ? "stdin" : o.input;
	if (!o.stats && reread_begin(&run.again, run.fp, &e) < 0)
		die(EXIT_BAD, "%s: %s", name, e.msg);
	to = (TrainOptions){ .ncat = run.labels.ncat, .max_pixels = o.max_pixels,
	    .need_size = 1, .parse_rle = 1, .tee = reread_tee(&run.again) };
	if ((tr = train_open(run.fp, name, &to, &e)) == NULL)
		die(EXIT_BAD, "%s", e.msg);
	to.tee = NULL;
	if (o.stats) {
		status = stats_pass(&run, tr);
		train_close(tr);
		labels_free(&run.labels);
		return close_stdout(status);
	}
	if (cli_progress_wanted(o.quiet)) {
		if (fstat(fileno(run.fp), &st) == 0 && S_ISREG(st.st_mode))
			run.input_size = (uint64_t)st.st_size;
		run.progress = progress_new(1, "images", run.input_size);
	}
	if ((run.pool = pool_new(o.jobs > 1 ? o.jobs : 0, 2 * (size_t)o.jobs,
	    &e)) == NULL)
		die(EXIT_BAD, "%s", e.msg);
	run.batch = atomic_batch_new(256);
	run.done = strmap_new();
	run.late = strmap_new();
	status = masks_pass(&run, tr, name);
	train_close(tr);
	if (strmap_count(run.late) > 0) {
		FILE *again = reread_again(&run.again, &e);

		/* The partial masks of the first pass must be queued before
		 * the whole ones, which replace them. */
		pool_wait(run.pool);

		if (again == NULL || (tr = train_open(again, name, &to, &e)) == NULL) {
			warnmsg("%s: cannot read the input again for the images "
			    "whose rows are not consecutive", name);
			status = EXIT_BAD;
		} else {
			late_pass(&run, tr);
			train_close(tr);
		}
	}
	pool_free(run.pool);
	progress_free(run.progress);
	if (atomic_batch_free(run.batch, &e) < 0) {
		warnmsg("%s", e.msg);
		status = EXIT_BAD;
	}
	if (atomic_load(&run.failed))
		status = EXIT_BAD;
	strmap_free(run.done);
	strmap_free(run.late);
	labels_free(&run.labels);
	reread_end(&run.again);
	if (run.fp != stdin)
		fclose(run.fp);
	return close_stdout(status);
}
