/* csvfield — reads a CSV file through csvread (the reader of every
 * program) and prints "rows N longest L": the tests' window on how it
 * handles long fields and byte-order marks.
 *
 * usage: csvfield FILE */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "csvread.h"

int
main(int argc, char **argv)
{
	const CsvRow *row;
	CsvReader *r;
	size_t rows = 0, longest = 0;
	FILE *fp;
	Err e;
	int rc;

	progname = "csvfield";
	if (argc != 2) {
		fprintf(stderr, "usage: csvfield FILE\n");
		return EXIT_USAGE;
	}
	fp = cli_open_input(argv[1]);
	if ((r = csv_open(fp, argv[1], &e)) == NULL)
		die(EXIT_BAD, "%s", e.msg);
	while ((rc = csv_next(r, &row, &e)) == 1) {
		rows++;
		for (size_t i = 0; i < row->n; i++)
			if (row->len[i] > longest)
				longest = row->len[i];
		if (rows == 1)
			printf("first %s\n", row->field[0]);
	}
	if (rc < 0)
		die(EXIT_BAD, "%s", e.msg);
	printf("rows %zu longest %zu\n", rows, longest);
	csv_close(r);
	fclose(fp);
	return EXIT_OK;
}
