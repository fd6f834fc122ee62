/* cli — what every program shares at its edge: its name in messages,
 * exit codes, option values, the -j default, and the terminal's state.
 * The one layer that prints and exits: only programs call it. */
#ifndef IMATSEG_CLI_H
#define IMATSEG_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"

enum {
	EXIT_OK = 0,
	EXIT_BAD = 1,	/* some input was bad or an operation failed */
	EXIT_USAGE = 2
};

#define IMATSEG_VERSION "0.1.0"

extern const char *progname;

void cli_init(const char *argv0);
/* "prog: message\n" on stderr (erasing a status line first). */
void warnmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* warnmsg, then exit(status). */
void die(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
/* "prog: usage error text\nTry 'prog --help'.\n", exit 2. */
void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void print_version(void);

/* The long options every program ends with: -h/--help and --version. */
enum { CLI_OPT_VERSION = 0x7f00 };
#define CLI_COMMON_OPTIONS \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, CLI_OPT_VERSION }, \
	{ NULL, 0, NULL, 0 }
/* The end of every option switch: -h prints the usage on stdout and
 * exits 0, --version prints the version and exits 0, anything else is a
 * usage error (the usage on stderr, exit 2). */
void cli_common_option(int c, void (*usage)(FILE *))
	__attribute__((noreturn));
/* The input file path, or stdin for "-"; a file that cannot be opened
 * ends the program (exit 1) with the system's reason. */
FILE *cli_open_input(const char *path);
/* An option's argument as a number in [min, max] (parse.h), or a usage
 * error "OPT: reason". */
long opt_long(const char *opt, const char *arg, long min, long max);
uint64_t opt_u64(const char *opt, const char *arg, uint64_t min,
    uint64_t max);
double opt_double(const char *opt, const char *arg, double min, double max);
/* -j N: threads, 1 to 256, or a usage error. */
int cli_jobs(const char *arg);
/* Online CPUs, at least 1: the -j default. */
int cpu_count(void);
/* Those of them this process may run on (its affinity), at least 1. */
int cpu_allowed(void);
/* One status line on stderr (a terminal): "\r" + text, redrawn in
 * place; warnmsg erases it before its message. cli_status_clear erases
 * it for good. Thread-safe with the messages. */
void cli_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_status_clear(void);
/* Should a program draw progress: stderr a terminal and no -q. */
int cli_progress_wanted(int quiet);
/* Closes stdout and reports a write error (full disk, closed pipe) as
 * failure: call last, return its value from main. */
int close_stdout(int status);

#endif
