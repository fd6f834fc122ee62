/* unet-serve — a trained U-Net as a web page and an HTTP API: photos in,
 * label masks, overlays, JSON summaries and submission rows out. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "maskio.h"
#include "server.h"

typedef struct {
	const char *model;	/* -m: the checkpoint */
	const char *labels;	/* --labels, NULL: the shipped file */
	char host[256];		/* --listen HOST:PORT, split */
	char port[8];
	int threads;		/* -j: workers */
	int nets;		/* --nets: networks they share */
	int queue;		/* --queue: photos that may wait */
	int letterbox;		/* --letterbox: pad photos to the square */
	uint64_t max_bytes, max_pixels;
	unsigned timeout;	/* --timeout, seconds */
	int quiet;		/* -q: no access log */
} Options;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: %s -m model [--listen host:port] [-j n] [--nets n]\n"
	    "       [--queue n] [--max-bytes n] [--max-pixels n] [--timeout s]\n"
	    "       [--letterbox] [--labels file] [-q]\n", progname);
}

/* HOST:PORT, [V6]:PORT or :PORT (loopback). */
static void
parse_listen(const char *arg, Options *o)
{
	const char *colon = strrchr(arg, ':');
	size_t hn;

	if (colon == NULL)
		usage_error("--listen %s: not HOST:PORT", arg);
	hn = (size_t)(colon - arg);
	if (hn >= 2 && arg[0] == '[' && arg[hn - 1] == ']')
		arg++, hn -= 2;
	if (hn >= sizeof o->host)
		usage_error("--listen: the host is too long");
	if (hn == 0)
		snprintf(o->host, sizeof o->host, "127.0.0.1");
	else
		snprintf(o->host, sizeof o->host, "%.*s", (int)hn, arg);
	snprintf(o->port, sizeof o->port, "%ld",
	    opt_long("--listen port", colon + 1, 0, 65535));
}

static void
parse_options(int argc, char **argv, Options *o)
{
	enum { O_LISTEN = 256, O_NETS, O_QUEUE, O_MAXBYTES, O_MAXPIX,
		O_TIMEOUT, O_LETTERBOX, O_LABELS };
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "jobs", required_argument, NULL, 'j' },
		{ "nets", required_argument, NULL, O_NETS },
		{ "queue", required_argument, NULL, O_QUEUE },
		{ "max-bytes", required_argument, NULL, O_MAXBYTES },
		{ "max-pixels", required_argument, NULL, O_MAXPIX },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "letterbox", no_argument, NULL, O_LETTERBOX },
		{ "labels", required_argument, NULL, O_LABELS },
		{ "quiet", no_argument, NULL, 'q' },
		CLI_COMMON_OPTIONS
	};
	int c;

	*o = (Options){ .host = "127.0.0.1", .port = "8080",
	    .threads = cpu_count(), .queue = -1, .max_bytes = 50000000,
	    .max_pixels = MASK_MAX_PIXELS, .timeout = 30 };
	while ((c = getopt_long(argc, argv, "hm:j:q", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': o->model = optarg; break;
		case O_LISTEN: parse_listen(optarg, o); break;
		case 'j': o->threads = cli_jobs(optarg); break;
		case O_NETS:
			o->nets = (int)opt_long("--nets", optarg, 1, 256);
			break;
		case O_QUEUE:
			o->queue = (int)opt_long("--queue", optarg, 0, 100000);
			break;
		case O_MAXBYTES:
			o->max_bytes = opt_u64("--max-bytes", optarg, 1,
			    UINT64_MAX / 2);
			break;
		case O_MAXPIX:
			o->max_pixels = opt_u64("--max-pixels", optarg, 1,
			    UINT64_MAX);
			break;
		case O_TIMEOUT:
			o->timeout = (unsigned)opt_long("--timeout", optarg, 1,
			    86400);
			break;
		case O_LETTERBOX: o->letterbox = 1; break;
		case O_LABELS: o->labels = optarg; break;
		case 'q': o->quiet = 1; break;
		default: cli_common_option(c, usage);
		}
	}
	if (o->model == NULL)
		usage_error("-m model is required");
	if (optind < argc)
		usage_error("%s: no file arguments (photos come over HTTP)",
		    argv[optind]);
	if (o->nets == 0)
		o->nets = o->threads;
	if (o->nets > o->threads)
		usage_error("--nets %d: more networks than -j %d workers",
		    o->nets, o->threads);
	if (o->queue < 0)
		o->queue = 2 * o->threads;
}

static void
access_log(void *arg, const char *line)
{
	(void)arg;
	warnmsg("%s", line);
}

int
main(int argc, char **argv)
{
	Options o;
	ServerConfig c;
	Server *s;
	sigset_t stop;
	int sig;
	Err e;

	cli_init(argv[0]);
	parse_options(argc, argv, &o);
	/* SIGINT and SIGTERM are taken by sigtimedwait below, in this
	 * thread alone: every thread started after this blocks them */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (imaging_init(argv[0], 1, &e) < 0)
		die(EXIT_BAD, "%s", e.msg);
	c = (ServerConfig){ .model = o.model, .labels = o.labels,
	    .host = o.host, .port = o.port, .threads = o.threads,
	    .nets = o.nets, .queue = o.queue, .letterbox = o.letterbox,
	    .max_bytes = o.max_bytes,
	    .max_pixels = o.max_pixels, .timeout = o.timeout,
	    .log = o.quiet ? NULL : access_log };
	if ((s = server_start(&c, &e)) == NULL)
		die(EXIT_BAD, "%s", e.msg);
	warnmsg("listening on http://%s%s%s:%d/", strchr(o.host, ':') ? "[" : "",
	    o.host, strchr(o.host, ':') ? "]" : "", server_port(s));
	do {
		sig = sigtimedwait(&stop, NULL, &(struct timespec){ 1, 0 });
		server_tick(s);
	} while (sig < 0);
	if (!o.quiet)
		warnmsg("%s: finishing the requests in flight",
		    sig == SIGINT ? "SIGINT" : "SIGTERM");
	server_stop(s);
	imaging_shutdown();
	return EXIT_OK;
}
