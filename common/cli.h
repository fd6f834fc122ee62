/* cli — what every program shares at its edge: its name in messages,
 * exit codes, warn-and-remember, the -j default. Only programs call this
 * (common/ itself never prints). */
#ifndef IMATSEG_CLI_H
#define IMATSEG_CLI_H

#include "err.h"

enum {
	EXIT_OK = 0,
	EXIT_BAD = 1,	/* some input was bad or an operation failed */
	EXIT_USAGE = 2
};

#define IMATSEG_VERSION "0.1.0"

extern const char *progname;

void cli_init(const char *argv0);
/* "prog: message\n" on stderr. */
void warnmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* warnmsg, then exit(status). */
void die(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
/* "prog: usage error text\nTry 'prog --help'.\n", exit 2. */
void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void print_version(void);
/* Online CPUs, at least 1: the -j default. */
int cpu_count(void);
/* Closes stdout and reports a write error (full disk, closed pipe) as
 * failure: call last, return its value from main. */
int close_stdout(int status);

#endif
