/* cli — the programs' edge: messages, exits, option values, and the
 * terminal's state. See cli.h. */
#include "cli.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"

const char *progname = "imatseg";

/* stderr is one terminal for every thread: messages and the status line
 * take turns, and a message first erases a status line left unfinished
 * (the next status redraws it). */
static pthread_mutex_t term_mu = PTHREAD_MUTEX_INITIALIZER;
static int status_drawn;

static void
erase_status(void)
{
	if (status_drawn)
		fputs("\r\033[K", stderr);
	status_drawn = 0;
}

void
cli_status(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&term_mu);
	fputc('\r', stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\033[K", stderr);
	fflush(stderr);
	status_drawn = 1;
	pthread_mutex_unlock(&term_mu);
}

void
cli_status_clear(void)
{
	pthread_mutex_lock(&term_mu);
	erase_status();
	fflush(stderr);
	pthread_mutex_unlock(&term_mu);
}

int
cli_progress_wanted(int quiet)
{
	return !quiet && isatty(STDERR_FILENO);
}

void
cli_init(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	slash = strrchr(argv0, '/');
	progname = slash ? slash + 1 : argv0;
}

/* One write per message, so that a reader of a log (a script waiting
 * for unet-serve's "listening on" line) never sees half of it. */
static void
vwarn(const char *fmt, va_list ap)
{
	char buf[4096];
	int n = snprintf(buf, sizeof buf, "%s: ", progname);

	if (n >= 0 && (size_t)n < sizeof buf)
		vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
	pthread_mutex_lock(&term_mu);
	erase_status();
	fprintf(stderr, "%s\n", buf);
	pthread_mutex_unlock(&term_mu);
}

void
warnmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void
die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(status);
}

void
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help'.\n", progname);
	exit(EXIT_USAGE);
}

void
print_version(void)
{
	printf("%s (imatseg) %s\n", progname, IMATSEG_VERSION);
}

int
cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}

int
close_stdout(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		warnmsg("write error on stdout: %s", strerror(errno));
		return EXIT_BAD;
	}
	return status;
}

void
cli_common_option(int c, void (*usage)(FILE *))
{
	if (c == 'h') {
		usage(stdout);
		exit(EXIT_OK);
	}
	if (c == CLI_OPT_VERSION) {
		print_version();
		exit(EXIT_OK);
	}
	usage(stderr);
	exit(EXIT_USAGE);
}

long
opt_long(const char *opt, const char *arg, long min, long max)
{
	long v;
	Err e;

	if (parse_long(arg, min, max, &v, &e) < 0)
		usage_error("%s: %s", opt, e.msg);
	return v;
}

uint64_t
opt_u64(const char *opt, const char *arg, uint64_t min, uint64_t max)
{
	uint64_t v;
	Err e;

	if (parse_u64(arg, min, max, &v, &e) < 0)
		usage_error("%s: %s", opt, e.msg);
	return v;
}

double
opt_double(const char *opt, const char *arg, double min, double max)
{
	double v;
	Err e;

	if (parse_double(arg, min, max, &v, &e) < 0)
		usage_error("%s: %s", opt, e.msg);
	return v;
}

int
cli_jobs(const char *arg)
{
	return (int)opt_long("-j", arg, 1, 256);
}

FILE *
cli_open_input(const char *path)
{
	FILE *fp;

	if (strcmp(path, "-") == 0)
		return stdin;
	if ((fp = fopen(path, "r")) == NULL)
		die(EXIT_BAD, "%s: %s", path, strerror(errno));
	return fp;
}
