#include "csvread.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* A row being assembled or waiting to be handed out. */
typedef struct {
	char *data;		/* fields back to back, each NUL-terminated */
	size_t used, cap;
	size_t *off, *len;
	size_t n, capf;
	uint64_t line;
	CsvRow view;
	char **ptrs;
} Row;

struct CsvReader {
	FILE *fp, *tee;
	const char *name;
	struct csv_parser p;
	char *line;
	size_t linecap;
	uint64_t lineno;	/* lines read so far */
	uint64_t row_start;	/* line the row being built started on */
	Row *rows;		/* rows completed by the last line fed */
	size_t nrows, caprows, next;
	int eof;
};

static Row *
row_slot(CsvReader *r, size_t i)
{
	if (i >= r->caprows) {
		size_t old = r->caprows;

		r->caprows = i + 4;
		r->rows = xreallocarray(r->rows, r->caprows, sizeof *r->rows);
		memset(r->rows + old, 0, (r->caprows - old) * sizeof *r->rows);
	}
	return &r->rows[i];
}

static void
on_field(void *s, size_t len, void *data)
{
	CsvReader *r = data;
	Row *row = row_slot(r, r->nrows);

	/* The first field of a row ends on the line the row starts on
	 * (blank lines, which libcsv skips, are counted all the same). */
	if (row->n == 0)
		row->line = r->lineno;
	if (row->n == row->capf) {
		row->capf = row->capf ? row->capf * 2 : 8;
		row->off = xreallocarray(row->off, row->capf, sizeof *row->off);
		row->len = xreallocarray(row->len, row->capf, sizeof *row->len);
	}
	if (row->used + len + 1 > row->cap) {
		while (row->used + len + 1 > row->cap)
			row->cap = row->cap ? row->cap * 2 : 4096;
		row->data = xreallocarray(row->data, row->cap, 1);
	}
	if (len > 0)
		memcpy(row->data + row->used, s, len);
	row->data[row->used + len] = '\0';
	row->off[row->n] = row->used;
	row->len[row->n] = len;
	row->used += len + 1;
	row->n++;
}

static void
on_row(int c, void *data)
{
	CsvReader *r = data;

	(void)c;
	row_slot(r, r->nrows);
	r->nrows++;
	r->row_start = r->lineno + 1;	/* for messages at the end of input */
}

CsvReader *
csv_open(FILE *fp, const char *name, Err *e)
{
	CsvReader *r = xcalloc(1, sizeof *r);

	if (csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		free(r);
		err_set(e, "%s: cannot start the CSV parser", name);
		return NULL;
	}
	r->fp = fp;
	r->name = name;
	r->row_start = 1;
	return r;
}

void
csv_tee(CsvReader *r, FILE *tee)
{
	r->tee = tee;
}

/* Feeds one more physical line (or the end of input) to libcsv. */
static int
feed(CsvReader *r, Err *e)
{
	ssize_t n = getline(&r->line, &r->linecap, r->fp);
	char *line;

	if (n < 0) {
		if (ferror(r->fp))
			return err_sys(e, "%s: line %llu", r->name,
			    (unsigned long long)r->lineno + 1);
		r->eof = 1;
		if (csv_fini(&r->p, on_field, on_row, r) != 0)
			return err_set(e, "%s:%llu: unterminated quoted field",
			    r->name, (unsigned long long)r->row_start);
		return 0;
	}
	r->lineno++;
	if (r->tee != NULL)
		fwrite(r->line, 1, (size_t)n, r->tee);
	line = r->line;
	/* A UTF-8 byte-order mark, as spreadsheets write, is no data. */
	if (r->lineno == 1 && n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
		line += 3, n -= 3;
	/* libcsv grows a field blk_size bytes at a time (128 by default):
	 * in steps as large as what it holds already, growth is geometric
	 * and a field of megabytes is copied a few times, not thousands. */
	csv_set_blk_size(&r->p, r->p.entry_size > (size_t)n ? r->p.entry_size :
	    (size_t)n + 1);
	if (csv_parse(&r->p, line, (size_t)n, on_field, on_row, r) != (size_t)n)
		return err_set(e, "%s:%llu: malformed CSV: %s", r->name,
		    (unsigned long long)r->lineno, csv_strerror(csv_error(&r->p)));
	return 0;
}

static const CsvRow *
row_view(Row *row)
{
	row->ptrs = xreallocarray(row->ptrs, row->n ? row->n : 1, sizeof *row->ptrs);
	for (size_t i = 0; i < row->n; i++)
		row->ptrs[i] = row->data + row->off[i];
	row->view.n = row->n;
	row->view.field = row->ptrs;
	row->view.len = row->len;
	row->view.line = row->line;
	return &row->view;
}

int
csv_next(CsvReader *r, const CsvRow **out, Err *e)
{
	while (r->next >= r->nrows) {
		/* All handed out: recycle the buffers, read on. */
		for (size_t i = 0; i < r->nrows; i++)
			r->rows[i].n = r->rows[i].used = 0;
		/* a row still being built sits in slot nrows: move it to 0 */
		if (r->nrows > 0 && r->nrows < r->caprows) {
			Row tmp = r->rows[0];

			r->rows[0] = r->rows[r->nrows];
			r->rows[r->nrows] = tmp;
		}
		r->nrows = r->next = 0;
		if (r->eof)
			return 0;
		if (feed(r, e) < 0)
			return -1;
	}
	*out = row_view(&r->rows[r->next++]);
	return 1;
}

void
csv_close(CsvReader *r)
{
	if (r == NULL)
		return;
	csv_free(&r->p);
	for (size_t i = 0; i < r->caprows; i++) {
		free(r->rows[i].data);
		free(r->rows[i].off);
		free(r->rows[i].len);
		free(r->rows[i].ptrs);
	}
	free(r->rows);
	free(r->line);
	free(r);
}

int
csv_column(const CsvRow *header, const char *name)
{
	for (size_t i = 0; i < header->n; i++)
		if (strcmp(header->field[i], name) == 0)
			return (int)i;
	return -1;
}
