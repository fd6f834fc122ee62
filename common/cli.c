#include "cli.h"

#include "parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *progname = "imatseg";

void
cli_init(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	slash = strrchr(argv0, '/');
	progname = slash ? slash + 1 : argv0;
}

static void
vwarn(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
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

int
cli_jobs(const char *arg)
{
	long v;
	Err e;

	if (parse_long(arg, 1, 256, &v, &e) < 0)
		usage_error("-j: %s", e.msg);
	return (int)v;
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
