/* unet-train — train the U-Net on shards: epochs of Adam, a TSV log,
 * the best model by validation mean IoU and a resumable last state; under
 * mpirun one model on many processes, rank 0 writing and talking. */
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dist.h"
#include "labels.h"
#include "maskio.h"
#include "objective.h"
#include "parse.h"
#include "progress.h"
#include "schedule.h"
#include "tboard.h"
#include "train.h"
#include "xalloc.h"

enum { EXIT_DIVERGED = 3 };
enum { TB_PREVIEW_SAMPLES = 4 };	/* validation images per preview */

/* Long options without a short form. */
enum { O_TRAIN = 256, O_VAL, O_STATE, O_LOG, O_RESUME, O_LR, O_PATIENCE,
	O_STEPS, O_DEPTH, O_CLASSES, O_DROPOUT, O_AUG, O_CW, O_SEED, O_TB,
	O_TB_IMAGES, O_LABELS, O_SCHEDULE, O_WARMUP, O_LOSS, O_EMA, O_SYNC_BN,
	O_END };

/* What a resumed run takes from its state, not from the command line
 * (Recipe): each of these given with --resume gets a warning. An option
 * added to the recipe is one line here. */
static const struct {
	int code;
	const char *name;
} from_state[] = {
	{ 'b', "--batch" },
	{ O_LR, "--lr" },
	{ O_STEPS, "--steps" },
	{ 'f', "--filters" },
	{ O_DEPTH, "--depth" },
	{ O_CLASSES, "--classes" },
	{ O_DROPOUT, "--dropout" },
	{ O_AUG, "--augment" },
	{ O_CW, "--class-weights" },
	{ O_SEED, "--seed" },
	{ O_SCHEDULE, "--lr-schedule" },
	{ O_WARMUP, "--warmup" },
	{ O_LOSS, "--loss" },
	{ O_EMA, "--ema" },
	{ O_SYNC_BN, "--sync-bn" },
};

typedef struct {
	Recipe r;
	RunOptions ro;		/* ro.dist: the ranks, after parse_options */
	int resume, quiet;
	const char *log;
	const char *tboard;	/* --tensorboard DIR or NULL */
	int tb_images;		/* a preview every this many epochs; 0: none */
	const char *labels;	/* label_descriptions.json; NULL: shipped */
	char **train, **val;	/* shard paths after glob */
	char *state_buf;	/* the default --state, to free */
	int ntrain, nval;
	unsigned char given[O_END];	/* options on the command line */
	/* The first pattern that matched nothing: reported by start(), on
	 * rank 0 alone when every rank sees it. */
	char no_match[sizeof(Err)];
} Options;

/* The signal that asks us to stop: set by the handler only, hence a
 * global (a handler has no other way to talk). */
static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
	stop_signal = sig;
}

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: %s --train PATTERN --val PATTERN [-o model] [--state file]\n"
	    "       [--log file] [--resume] [-q] [-e epochs] [-b batch]\n"
	    "       [--lr rate] [--lr-schedule constant|cosine|onecycle]\n"
	    "       [--warmup steps] [--loss ce|dice|ce+dice] [--ema decay]\n"
	    "       [--patience n] [--steps n] [-f filters] [--depth n]\n"
	    "       [--classes n] [--dropout p] [--augment spec]\n"
	    "       [--class-weights none|median|sqrt] [--sync-bn] [--seed n]\n"
	    "       [-j n]\n"
	    "       [--tensorboard dir [--tb-images n] [--labels file]]\n",
	    progname);
}

/* Adds the paths matching pattern (itself when it matches nothing and
 * has no wildcard: the loader then names the missing file); a pattern
 * that matches nothing is noted in o->no_match. */
static void
add_shards(Options *o, char ***v, int *n, const char *pattern)
{
	glob_t g;
	int rc = glob(pattern, 0, NULL, &g);

	if (rc == GLOB_NOMATCH && strpbrk(pattern, "*?[") == NULL) {
		*v = xreallocarray(*v, (size_t)*n + 1, sizeof **v);
		(*v)[(*n)++] = xstrdup(pattern);
		return;
	}
	if (rc != 0) {
		if (o->no_match[0] == '\0')
			snprintf(o->no_match, sizeof o->no_match,
			    "%s: no shard matches", pattern);
		return;
	}
	*v = xreallocarray(*v, (size_t)*n + g.gl_pathc, sizeof **v);
	for (size_t i = 0; i < g.gl_pathc; i++)
		(*v)[(*n)++] = xstrdup(g.gl_pathv[i]);
	globfree(&g);
}

static void
parse_augment(const char *spec, AugOptions *a)
{
	Err e;

	if (augment_parse(spec, a, &e) < 0)
		usage_error("--augment: %s", e.msg);
}

static void
parse_options(int argc, char **argv, Options *o)
{
	static const struct option longopts[] = {
		{ "train", required_argument, NULL, O_TRAIN },
		{ "val", required_argument, NULL, O_VAL },
		{ "output", required_argument, NULL, 'o' },
		{ "state", required_argument, NULL, O_STATE },
		{ "log", required_argument, NULL, O_LOG },
		{ "resume", no_argument, NULL, O_RESUME },
		{ "quiet", no_argument, NULL, 'q' },
		{ "epochs", required_argument, NULL, 'e' },
		{ "batch", required_argument, NULL, 'b' },
		{ "lr", required_argument, NULL, O_LR },
		{ "patience", required_argument, NULL, O_PATIENCE },
		{ "steps", required_argument, NULL, O_STEPS },
		{ "filters", required_argument, NULL, 'f' },
		{ "depth", required_argument, NULL, O_DEPTH },
		{ "classes", required_argument, NULL, O_CLASSES },
		{ "dropout", required_argument, NULL, O_DROPOUT },
		{ "augment", required_argument, NULL, O_AUG },
		{ "class-weights", required_argument, NULL, O_CW },
		{ "seed", required_argument, NULL, O_SEED },
		{ "lr-schedule", required_argument, NULL, O_SCHEDULE },
		{ "warmup", required_argument, NULL, O_WARMUP },
		{ "loss", required_argument, NULL, O_LOSS },
		{ "ema", required_argument, NULL, O_EMA },
		{ "sync-bn", no_argument, NULL, O_SYNC_BN },
		{ "jobs", required_argument, NULL, 'j' },
		{ "tensorboard", required_argument, NULL, O_TB },
		{ "tb-images", required_argument, NULL, O_TB_IMAGES },
		{ "labels", required_argument, NULL, O_LABELS },
		CLI_COMMON_OPTIONS
	};
	int c;

	*o = (Options){ .r = { .batch = 8, .lr = 1e-3f, .seed = 1 },
	    .ro = { .epochs = 80, .patience = 10, .threads = cpu_count(),
	    .out = "model.safetensors", .overlap = 1 }, .tb_images = 1 };
	unet_config_default(&o->r.net);
	parse_augment("flip,scale=0.8,brightness=0.1,contrast=0.1", &o->r.aug);
	while ((c = getopt_long(argc, argv, "hqo:e:b:f:j:", longopts, NULL)) != -1) {
		if (c >= 0 && c < O_END)
			o->given[c] = 1;
		switch (c) {
		case O_TRAIN: add_shards(o, &o->train, &o->ntrain, optarg); break;
		case O_VAL: add_shards(o, &o->val, &o->nval, optarg); break;
		case 'o': o->ro.out = optarg; break;
		case O_STATE: o->ro.state = optarg; break;
		case O_LOG: o->log = optarg; break;
		case O_RESUME: o->resume = 1; break;
		case 'q': o->quiet = 1; break;
		case 'e':
			o->ro.epochs = (uint64_t)opt_long("--epochs", optarg, 1,
			    1000000);
			break;
		case 'b':
			o->r.batch = (int)opt_long("--batch", optarg, 1, 4096);
			break;
		case O_LR:
			o->r.lr = (float)opt_double("--lr", optarg, 1e-30, 1e30);
			break;
		case O_PATIENCE:
			o->ro.patience = (int)opt_long("--patience", optarg, 1,
			    1000000);
			break;
		case O_STEPS:
			o->r.steps = (uint64_t)opt_long("--steps", optarg, 1,
			    1000000000);
			break;
		case 'f':
			o->r.net.filters = (int)opt_long("--filters", optarg, 1,
			    1024);
			break;
		case O_DEPTH:
			o->r.net.depth = (int)opt_long("--depth", optarg, 1,
			    UNET_MAX_DEPTH);
			break;
		case O_CLASSES:
			o->r.net.classes = (int)opt_long("--classes", optarg, 2,
			    255);
			break;
		case O_DROPOUT:
			o->r.net.dropout = (float)opt_double("--dropout", optarg,
			    0, 0.99);
			break;
		case O_AUG: parse_augment(optarg, &o->r.aug); break;
		case O_CW:
			if ((o->r.class_weights = ckpt_cw_kind(optarg)) < 0)
				usage_error("--class-weights: 'none', 'median' "
				    "or 'sqrt'");
			break;
		case O_SCHEDULE:
			if ((o->r.lr_schedule = schedule_kind(optarg)) < 0)
				usage_error("--lr-schedule: 'constant', "
				    "'cosine' or 'onecycle'");
			break;
		case O_WARMUP:
			o->r.warmup = opt_u64("--warmup", optarg, 0,
			    1000000000);
			break;
		case O_LOSS:
			if ((o->r.loss = objective_kind(optarg)) < 0)
				usage_error("--loss: 'ce', 'dice' or 'ce+dice'");
			break;
		case O_EMA:
			o->r.ema = (float)opt_double("--ema", optarg, 0,
			    0.999999);
			break;
		case O_SEED:
			o->r.seed = opt_u64("--seed", optarg, 0, UINT64_MAX);
			break;
		case O_SYNC_BN: o->r.sync_bn = 1; break;
		case 'j': o->ro.threads = cli_jobs(optarg); break;
		case O_TB: o->tboard = optarg; break;
		case O_TB_IMAGES:
			o->tb_images = (int)opt_long("--tb-images", optarg, 0,
			    1000000);
			break;
		case O_LABELS: o->labels = optarg; break;
		default:
			cli_common_option(c, usage);
		}
	}
	if (optind != argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->given[O_TRAIN] || !o->given[O_VAL])
		usage_error("--train and --val are required");
	if (o->r.lr_schedule == LR_ONECYCLE && o->r.warmup > 0)
		usage_error("--warmup: onecycle warms up over its first 30%% "
		    "of the steps");
	if (o->tboard == NULL && (o->given[O_TB_IMAGES] || o->given[O_LABELS]))
		usage_error("--%s needs --tensorboard", o->given[O_TB_IMAGES] ?
		    "tb-images" : "labels");
	if (o->ro.state == NULL) {
		size_t n = strlen(o->ro.out) + 6;
		char *s = xmalloc(n);

		snprintf(s, n, "%s.last", o->ro.out);
		o->ro.state = o->state_buf = s;
	}
	if (strcmp(o->ro.out, o->ro.state) == 0)
		usage_error("-o and --state must differ");
}

/* Rank 0's log; NULL with *failed set when it cannot be opened. */
static FILE *
open_log(const Options *o, int classes, char *why, size_t len, int *failed)
{
	FILE *fp;

	if (o->log == NULL || dist_rank(o->ro.dist) != 0)
		return NULL;
	if ((fp = fopen(o->log, o->resume ? "a" : "w")) == NULL) {
		snprintf(why, len, "%s: %s", o->log, strerror(errno));
		*failed = 1;
		return NULL;
	}
	if (ftell(fp) == 0) {
		fputs("epoch\tstep\ttrain_loss\ttrain_pixel_acc\tval_loss\t"
		    "val_miou\tlr\tseconds\timages_per_s", fp);
		for (int c = 0; c < classes; c++)
			fprintf(fp, "\tiou_%d", c);
		fputc('\n', fp);
	}
	return fp;
}

/* A failure of this rank alone: the others may be waiting for it in a
 * sum, so it ends the whole job. */
static void
fail_alone(const Options *o, const char *msg)
	__attribute__((noreturn));

static void
fail_alone(const Options *o, const char *msg)
{
	Dist *d = o->ro.dist;

	if (dist_size(d) > 1)
		warnmsg("rank %d: %s", dist_rank(d), msg);
	else
		warnmsg("%s", msg);
	dist_abort(d, EXIT_BAD);
	exit(EXIT_BAD);
}

/* An end every rank came to together: rank 0 says why. */
static int
end_together(const Options *o, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
end_together(const Options *o, int status, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	if (fmt != NULL && dist_rank(o->ro.dist) == 0) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		warnmsg("%s", msg);
	}
	return status;
}

static void
log_num(FILE *fp, double v)
{
	if (isnan(v))
		fputs("\tnan", fp);
	else
		fprintf(fp, "\t%.6g", v);
}

static void
log_row(FILE *fp, const Options *o, const EpochRow *r)
{
	char msg[600];

	if (fp == NULL)
		return;
	fprintf(fp, "%" PRIu64 "\t%" PRIu64, r->epoch, r->step);
	log_num(fp, r->train_loss);
	log_num(fp, r->train_acc);
	log_num(fp, r->val_loss);
	log_num(fp, r->val_miou);
	log_num(fp, r->lr);
	log_num(fp, r->seconds);
	log_num(fp, r->ips);
	for (int c = 0; c < r->classes; c++)
		log_num(fp, r->iou[c]);
	fputc('\n', fp);
	if (fflush(fp) != 0 || ferror(fp)) {
		snprintf(msg, sizeof msg, "%s: %s", o->log, strerror(errno));
		fail_alone(o, msg);
	}
}

/* The TensorBoard side of a run: the writer (NULL: none) and the
 * category names of its tags. */
typedef struct {
	TbWriter *w;
	Labels labels;
} Board;

/* Rank 0's writer; -1 with e when it cannot start. */
static int
board_open(Board *b, const Options *o, const char *argv0, Err *e)
{
	b->w = NULL;
	if (o->tboard == NULL || dist_rank(o->ro.dist) != 0)
		return 0;
	if (imaging_init(argv0, 1, e) < 0 ||
	    labels_open(&b->labels, o->labels, e) < 0 ||
	    (b->w = tb_open(o->tboard, e)) == NULL)
		return -1;
	return 0;
}

/* An epoch's scalars, and every --tb-images epochs a preview. */
static void
board_epoch(Board *b, Trainer *t, const Options *o, const EpochRow *row)
{
	Preview pv;
	Err e;

	if (b->w == NULL)
		return;
	if (tb_epoch(b->w, row, &b->labels, &e) < 0)
		fail_alone(o, e.msg);
	if (o->tb_images == 0 || row->epoch % (uint64_t)o->tb_images != 0)
		return;
	if (trainer_preview(t, TB_PREVIEW_SAMPLES, &pv, &e) < 0 ||
	    tb_preview(b->w, row->step, &pv, &e) < 0)
		fail_alone(o, e.msg);
	preview_free(&pv);
}

static void
board_close(Board *b, const Options *o)
{
	Err e;

	if (b->w == NULL)
		return;
	if (tb_close(b->w, &e) < 0)
		fail_alone(o, e.msg);
	labels_free(&b->labels);
}

/* --resume: the recipe is the state's; each option that would change it
 * is named. */
static void
warn_ignored(const Options *o)
{
	for (size_t i = 0; i < sizeof from_state / sizeof *from_state; i++)
		if (o->given[from_state[i].code])
			warnmsg("--resume: %s ignored: the state %s decides it",
			    from_state[i].name, o->ro.state);
}

static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* a second signal ends the run at once, as without us */
	sa.sa_flags = SA_RESTART | SA_RESETHAND;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void
tick(void *p, uint64_t steps, uint64_t images)
{
	progress_update(p, steps, images);
}

/* Whether this rank draws progress and epoch lines: rank 0 only. */
static int
talks(const Options *o)
{
	return !o->quiet && dist_rank(o->ro.dist) == 0;
}

/* Runs epochs until the last, early stopping, a signal or a failure;
 * returns the exit status. */
static int
run(Trainer *t, const Options *o, FILE *log, Board *board)
{
	uint64_t total = o->ro.epochs, best_epoch;
	EpochRow row;
	Err e;
	int r;

	while (trainer_epoch_no(t) < total) {
		Progress *p = progress_new(cli_progress_wanted(!talks(o)),
		    "steps", trainer_steps_per_epoch(t));

		if (trainer_patience_left(t) == 0) {
			progress_free(p);
			if (talks(o))
				warnmsg("no better validation mean IoU in %d "
				    "epochs: stopping", o->ro.patience);
			break;
		}
		r = trainer_epoch(t, &stop_signal, tick, p, &row, &e);
		progress_free(p);
		if (r < 0)
			fail_alone(o, e.msg);
		if (r == TRAIN_DIVERGED)
			return end_together(o, EXIT_DIVERGED, "%s; stopped, %s "
			    "and %s kept as they were", e.msg, o->ro.out,
			    o->ro.state);
		if (r == TRAIN_STOPPED)
			return end_together(o, 128 + stop_signal, "stopped by "
			    "signal %d; state saved in %s", (int)stop_signal,
			    o->ro.state);
		log_row(log, o, &row);
		board_epoch(board, t, o, &row);
		if (talks(o))
			fprintf(stderr, "epoch %" PRIu64 "/%" PRIu64 " loss %.4f "
			    "acc %.4f val_loss %.4f val_miou %.4f%s %.1fs "
			    "%.1f img/s\n", row.epoch, total, row.train_loss,
			    row.train_acc, row.val_loss, row.val_miou,
			    row.improved ? " *" : "", row.seconds, row.ips);
	}
	/* a signal after the last step: the state is saved already */
	if (stop_signal != 0)
		return end_together(o, 128 + stop_signal, "stopped by signal %d",
		    (int)stop_signal);
	double best = trainer_best(t, &best_epoch);
	if (talks(o) && best >= 0)
		warnmsg("best validation mean IoU %.4f at epoch %" PRIu64
		    ", in %s", best, best_epoch, o->ro.out);
	return EXIT_OK;
}

/* Set-up on every rank: each its own part, then, once all have it,
 * the joint part. A failure anywhere ends every rank with exit 1; when
 * every rank failed, rank 0 alone says why. */
static Trainer *
start(Options *o, FILE **log, Board *board, const char *argv0)
{
	Dist *d = o->ro.dist;
	Trainer *t;
	Err e;
	int failed = 0, nfail;

	if (o->no_match[0] != '\0') {
		t = NULL;
		snprintf(e.msg, sizeof e.msg, "%s", o->no_match);
	} else {
		t = o->resume ?
		    trainer_resume(&o->r, &o->ro, (const char *const *)o->train,
		    o->ntrain, (const char *const *)o->val, o->nval, &e) :
		    trainer_new(&o->r, &o->ro, (const char *const *)o->train,
		    o->ntrain, (const char *const *)o->val, o->nval, &e);
	}
	if (t == NULL)
		failed = 1;
	else
		*log = open_log(o, o->r.net.classes, e.msg, sizeof e.msg,
		    &failed);
	if (!failed && board_open(board, o, argv0, &e) < 0)
		failed = 1;
	nfail = dist_sum_int(d, failed);
	if (nfail == 0 && trainer_join(t, &e) < 0)
		failed = nfail = dist_size(d);	/* the same on every rank */
	if (nfail == 0) {
		if (o->resume && dist_rank(d) == 0)
			warn_ignored(o);
		return t;
	}
	if (failed && nfail < dist_size(d))
		warnmsg("rank %d: %s", dist_rank(d), e.msg);
	else if (failed && dist_rank(d) == 0)
		warnmsg("%s", e.msg);
	trainer_free(t);
	dist_close(d);
	exit(EXIT_BAD);
}

int
main(int argc, char **argv)
{
	Options o;
	Trainer *t;
	Board board = { 0 };
	FILE *log = NULL;
	int status;

	cli_init(argv[0]);
	parse_options(argc, argv, &o);
	o.ro.dist = dist_open();
	/* mpirun may run several ranks on a machine, or bind one to a core */
	if (!o.given['j'] && dist_under_mpi(o.ro.dist)) {
		int n = cpu_count() / dist_local_size(o.ro.dist);

		n = n < cpu_allowed() ? n : cpu_allowed();
		o.ro.threads = n > 1 ? n : 1;
	}
	catch_signals();
	t = start(&o, &log, &board, argv[0]);
	status = run(t, &o, log, &board);
	if (log != NULL && fclose(log) != 0) {
		char msg[600];

		snprintf(msg, sizeof msg, "%s: %s", o.log, strerror(errno));
		fail_alone(&o, msg);
	}
	board_close(&board, &o);
	trainer_free(t);
	dist_close(o.ro.dist);
	for (int i = 0; i < o.ntrain; i++)
		free(o.train[i]);
	for (int i = 0; i < o.nval; i++)
		free(o.val[i]);
	free(o.train), free(o.val), free(o.state_buf);
	return status;
}
