/* atomic_kill — begins an atomic write of PATH, as every program writes
 * its outputs, and dies by SIGKILL before committing it ("kill"), or
 * waits until its standard input closes ("hold"): the temporary files a
 * killed run leaves, and those of a run still going.
 *
 * usage: atomic_kill kill|hold PATH */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "atomic.h"
#include "cli.h"

int
main(int argc, char **argv)
{
	Atomic *a;
	Err e;

	progname = "atomic_kill";
	if (argc != 3 || (strcmp(argv[1], "kill") != 0 &&
	    strcmp(argv[1], "hold") != 0)) {
		fprintf(stderr, "usage: atomic_kill kill|hold PATH\n");
		return EXIT_USAGE;
	}
	if ((a = atomic_open(argv[2], &e)) == NULL)
		die(EXIT_BAD, "%s", e.msg);
	fputs("half a file", atomic_file(a));
	fflush(atomic_file(a));
	if (strcmp(argv[1], "kill") == 0)
		raise(SIGKILL);
	while (getchar() != EOF)
		;
	atomic_abort(a);
	return EXIT_OK;
}
