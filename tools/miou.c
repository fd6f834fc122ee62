/* miou — how good are these masks: per-class IoU of label PNGs against
 * label PNGs, or (--kaggle) the competition's score of a submission CSV
 * against the truth CSV. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "confusion.h"
#include "kaggle.h"
#include "labels.h"
#include "maskio.h"
#include "maskset.h"
#include "parse.h"
#include "pmap.h"
#include "xalloc.h"

typedef struct {
	int kaggle;
	int match_attributes;
	int with_background;
	int strict;
	int threads;
	int digits;
	const char *labels;
	const char *truth, *pred;
} Options;

/* One image pair in flight: a slot of the ordered map. */
typedef struct {
	char *tpath, *ppath;	/* ppath NULL: no prediction */
	int failed;
	Err e;
	PairCounts pc;
} Job;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: %s [--with-background] [--strict] [-j n] [--digits n]\n"
	    "       [--labels file] truth pred\n"
	    "       %s --kaggle [--match-attributes] [--strict] [--digits n]\n"
	    "       [--labels file] truth.csv submission.csv\n",
	    progname, progname);
}

static void
parse_options(int argc, char **argv, Options *o)
{
	enum { O_KAGGLE = 256, O_MATCH, O_BG, O_STRICT, O_DIGITS, O_LABELS };
	static const struct option longopts[] = {
		{ "kaggle", no_argument, NULL, O_KAGGLE },
		{ "match-attributes", no_argument, NULL, O_MATCH },
		{ "with-background", no_argument, NULL, O_BG },
		{ "strict", no_argument, NULL, O_STRICT },
		{ "jobs", required_argument, NULL, 'j' },
		{ "digits", required_argument, NULL, O_DIGITS },
		{ "labels", required_argument, NULL, O_LABELS },
		CLI_COMMON_OPTIONS
	};
	int c;

	*o = (Options){ .threads = cpu_count(), .digits = 6 };
	while ((c = getopt_long(argc, argv, "hj:", longopts, NULL)) != -1) {
		switch (c) {
		case O_KAGGLE:
			o->kaggle = 1;
			break;
		case O_MATCH:
			o->match_attributes = 1;
			break;
		case O_BG:
			o->with_background = 1;
			break;
		case O_STRICT:
			o->strict = 1;
			break;
		case 'j':
			o->threads = cli_jobs(optarg);
			break;
		case O_DIGITS:
			o->digits = (int)opt_long("--digits", optarg, 1, 17);
			break;
		case O_LABELS:
			o->labels = optarg;
			break;
		default:
			cli_common_option(c, usage);
		}
	}
	if (argc - optind != 2)
		usage_error("expected two operands, truth and prediction");
	o->truth = argv[optind];
	o->pred = argv[optind + 1];
	if (strcmp(o->truth, "-") == 0 && strcmp(o->pred, "-") == 0)
		usage_error("only one operand can be '-' (stdin)");
	if (o->match_attributes && !o->kaggle)
		usage_error("--match-attributes needs --kaggle");
	if (o->with_background && o->kaggle)
		usage_error("--with-background has no meaning with --kaggle");
}

static void
print_num(double v, int digits)
{
	if (isnan(v))
		fputs("nan", stdout);
	else
		printf("%.*f", digits, v);
}

/* A second prediction with the name of an earlier one. */
static void
duplicate_name(void *ctx, const char *path, const char *first)
{
	warnmsg("%s: %s has the same name as %s: ignored", (const char *)ctx,
	    path, first);
}

/* Worker: reads the pair and counts it. */
static void
count_pair(uint64_t item, void *slot, void *arg)
{
	Job *j = slot;
	uint8_t *t = NULL, *p = NULL;
	int th, tw, ph, pw;

	(void)item, (void)arg;
	j->failed = 0;
	if (mask_read(j->tpath, MASK_MAX_PIXELS, &t, &th, &tw, &j->e) < 0)
		goto fail;
	if (j->ppath != NULL &&
	    mask_read(j->ppath, MASK_MAX_PIXELS, &p, &ph, &pw, &j->e) < 0)
		goto fail;
	if (p != NULL && (ph != th || pw != tw)) {
		err_set(&j->e, "%s is %dx%d but %s is %dx%d", j->tpath, th, tw,
		    j->ppath, ph, pw);
		goto fail;
	}
	pair_counts(&j->pc, t, p, (size_t)th * tw);
	free(t);
	free(p);
	return;
fail:
	free(t);
	free(p);
	j->failed = 1;
}

/* Adds a counted pair: in submission order, so the messages and the
 * sums do not depend on the threads. */
static int
finish(Job *j, Confusion *conf)
{
	int status = EXIT_OK;
	Err e;

	if (j->failed) {
		warnmsg("%s", j->e.msg);
		status = EXIT_BAD;
	} else if (confusion_add(conf, &j->pc, &e) < 0) {
		warnmsg("%s, %s: %s", j->tpath, j->ppath ? j->ppath : "-", e.msg);
		status = EXIT_BAD;
	}
	free(j->tpath);
	free(j->ppath);
	j->tpath = j->ppath = NULL;
	return status;
}

static void
print_masks(const Options *o, const Labels *lab, const Confusion *c)
{
	ConfSummary s;

	printf("id\tname\ttruth\tpredicted\tintersection\tunion\tiou\n");
	for (int l = 0; l < c->nlab; l++) {
		ClassStat cs;

		confusion_class(c, l, &cs);
		printf("%d\t%s\t%llu\t%llu\t%llu\t%llu\t", l - 1,
		    l == 0 ? "background" : labels_category(lab, l - 1),
		    (unsigned long long)cs.truth, (unsigned long long)cs.pred,
		    (unsigned long long)cs.inter, (unsigned long long)cs.uni);
		print_num(cs.iou, o->digits);
		putchar('\n');
	}
	confusion_summary(c, o->with_background, &s);
	fputs("mean_iou\t", stdout);
	print_num(s.mean_iou, o->digits);
	fputs("\npixel_accuracy\t", stdout);
	print_num(s.pixel_acc, o->digits);
	fputs("\nfw_iou\t", stdout);
	print_num(s.fw_iou, o->digits);
	printf("\nclasses\t%d\nimages\t%llu\nignored_pixels\t%llu\n", s.classes,
	    (unsigned long long)c->images, (unsigned long long)c->ignored);
}

/* Warns about (or, strict, refuses) predictions no truth asked for. */
static void
unused_predictions(const Options *o, const MaskSet *preds)
{
	for (size_t i = 0; i < preds->n; i++) {
		if (preds->used[i])
			continue;
		if (o->strict)
			die(EXIT_BAD, "%s: no truth named %s in %s", preds->path[i],
			    path_base(preds->path[i]), o->truth);
		warnmsg("%s: no truth named %s in %s: not scored",
		    preds->path[i], path_base(preds->path[i]), o->truth);
	}
}

static int
run_masks(const Options *o, const Labels *lab)
{
	MaskSet preds;
	MaskList *l;
	Confusion conf;
	Pmap *pm;
	Job *j;
	char *tp;
	Err e;
	int rc, status = EXIT_OK;

	if (maskset_load(&preds, o->pred, duplicate_name, (void *)o->pred, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	if ((l = masklist_open(o->truth, &e)) == NULL)
		die(EXIT_BAD, "%s", e.msg);
	confusion_init(&conf, lab->ncat);
	if ((pm = pmap_new(o->threads > 1 ? o->threads : 0,
	    2 * (size_t)o->threads + 1, sizeof(Job), count_pair, NULL,
	    &e)) == NULL)
		die(EXIT_BAD, "%s", e.msg);
	while ((rc = masklist_next(l, &tp, &e)) > 0) {
		const char *b = path_base(tp), *found;
		char *pp = NULL;
		size_t k;

		if ((found = maskset_find(&preds, b, &k)) != NULL) {
			preds.used[k] = 1;
			pp = xstrdup(found);
		} else if (o->strict) {
			/* no thread left inside libvips, nothing left behind */
			while ((j = pmap_take(pm, NULL)) != NULL)
				free(j->tpath), free(j->ppath);
			pmap_free(pm);
			warnmsg("%s: no prediction named %s in %s", tp, b,
			    o->pred);
			free(tp);
			maskset_free(&preds);
			masklist_close(l);
			exit(EXIT_BAD);
		} else {
			warnmsg("%s: no prediction named %s in %s: counted as "
			    "all background", tp, b, o->pred);
			status = EXIT_BAD;
		}
		while ((j = pmap_slot(pm)) == NULL)
			if (finish(pmap_take(pm, NULL), &conf) != EXIT_OK)
				status = EXIT_BAD;
		j->tpath = tp;
		j->ppath = pp;
		pmap_push(pm);
	}
	while ((j = pmap_take(pm, NULL)) != NULL)
		if (finish(j, &conf) != EXIT_OK)
			status = EXIT_BAD;
	pmap_free(pm);
	masklist_close(l);
	if (rc < 0)
		die(EXIT_BAD, "%s", e.msg);
	unused_predictions(o, &preds);
	print_masks(o, lab, &conf);
	confusion_free(&conf);
	maskset_free(&preds);
	return status;
}

static void
warn_cb(void *arg, const char *msg)
{
	(void)arg;
	warnmsg("%s", msg);
}

static int
run_kaggle(const Options *o, const Labels *lab)
{
	KaggleOptions ko = { .ncat = lab->ncat,
	    .match_attributes = o->match_attributes, .strict = o->strict,
	    .warn = warn_cb };
	FILE *tf = cli_open_input(o->truth), *sf = cli_open_input(o->pred);
	const char *tn = tf == stdin ? "stdin" : o->truth;
	const char *sn = sf == stdin ? "stdin" : o->pred;
	KaggleResult r;
	Err e;

	if (kaggle_score(tf, tn, sf, sn, &ko, &r, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	if (tf != stdin)
		fclose(tf);
	if (sf != stdin)
		fclose(sf);
	printf("id\tname\timages\tscore\n");
	for (int c = 0; c < r.ncat; c++) {
		printf("%d\t%s\t%llu\t", c, labels_category(lab, c),
		    (unsigned long long)r.cat_n[c]);
		print_num(r.cat_n[c] ? r.cat_sum[c] / (double)r.cat_n[c] : NAN,
		    o->digits);
		putchar('\n');
	}
	fputs("score\t", stdout);
	print_num(r.score, o->digits);
	printf("\nimages\t%llu\n", (unsigned long long)r.images);
	kaggle_result_free(&r);
	return r.bad_rows || r.missing ? EXIT_BAD : EXIT_OK;
}

int
main(int argc, char **argv)
{
	Options o;
	Labels lab;
	int status;
	Err e;

	cli_init(argv[0]);
	parse_options(argc, argv, &o);
	if (labels_open(&lab, o.labels, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	if (o.kaggle) {
		status = run_kaggle(&o, &lab);
	} else {
		if (imaging_init(argv[0], 1, &e) < 0)
			die(EXIT_BAD, "%s", e.msg);
		status = run_masks(&o, &lab);
	}
	labels_free(&lab);
	return close_stdout(status);
}
