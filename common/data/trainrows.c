#include "trainrows.h"

#include <stdlib.h>
#include <string.h>

#include "csvread.h"
#include "parse.h"
#include "path.h"
#include "xalloc.h"

enum { COL_ID, COL_PIXELS, COL_HEIGHT, COL_WIDTH, COL_CLASS, COL_ATTRS, NCOL };

static const char *colname[NCOL] = {
	"ImageId", "EncodedPixels", "Height", "Width", "ClassId", "AttributesIds"
};

struct TrainReader {
	CsvReader *csv;
	const char *name;
	TrainOptions o;
	int col[NCOL];		/* field index, -1 when absent */
	size_t ncols;		/* fields every row must have */
	TrainRow row;
};

TrainReader *
train_open(FILE *fp, const char *name, const TrainOptions *o, Err *e)
{
	TrainReader *r = xcalloc(1, sizeof *r);
	const CsvRow *h;
	int rc;

	r->name = name;
	r->o = *o;
	rle_init(&r->row.rle);
	if ((r->csv = csv_open(fp, name, e)) == NULL)
		goto fail;
	if (o->tee != NULL)
		csv_tee(r->csv, o->tee);
	if ((rc = csv_next(r->csv, &h, e)) <= 0) {
		if (rc == 0)
			err_set(e, "%s: empty file (no header line)", name);
		goto fail;
	}
	for (int c = 0; c < NCOL; c++)
		r->col[c] = csv_column(h, colname[c]);
	for (int c = 0; c < NCOL; c++) {
		int required = c == COL_ID || c == COL_PIXELS || c == COL_CLASS ||
		    ((c == COL_HEIGHT || c == COL_WIDTH) && o->need_size);

		if (required && r->col[c] < 0) {
			err_set(e, "%s:%llu: the header has no %s column", name,
			    (unsigned long long)h->line, colname[c]);
			goto fail;
		}
	}
	if ((r->col[COL_HEIGHT] < 0) != (r->col[COL_WIDTH] < 0)) {
		err_set(e, "%s:%llu: the header has only one of Height and Width",
		    name, (unsigned long long)h->line);
		goto fail;
	}
	r->ncols = h->n;
	return r;
fail:
	train_close(r);
	return NULL;
}

int
train_is_2020(const TrainReader *r)
{
	return r->col[COL_ATTRS] >= 0;
}

int
train_has_size(const TrainReader *r)
{
	return r->col[COL_HEIGHT] >= 0;
}

void
train_close(TrainReader *r)
{
	if (r == NULL)
		return;
	csv_close(r->csv);
	rle_free(&r->row.rle);
	free(r);
}

int
image_stem_ok(const char *stem, size_t len)
{
	if (len == 0 || stem[0] == '.')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (stem[i] == '/' || (unsigned char)stem[i] < 0x20)
			return 0;
	return 1;
}

/* "12" or "12_3_4": category, then attributes joined with '_'. The 2020
 * AttributesIds field is the same with ','. */
static int
parse_ids(const char *s, char sep, int *first, int *rest, int *nrest,
    const char *what, Err *e)
{
	const char *p = s;

	*nrest = 0;
	for (int k = 0;; k++) {
		uint64_t v;
		int n = scan_u64(p, p + strlen(p), 100000, &v);

		if (n <= 0 || (p[n] != '\0' && p[n] != sep))
			return err_set(e, "malformed %s '%s'", what, s);
		if (k == 0 && first != NULL)
			*first = (int)v;
		else if (*nrest == TRAIN_MAX_ATTRS)
			return err_set(e, "%s '%s' has more than %d attributes",
			    what, s, TRAIN_MAX_ATTRS);
		else
			rest[(*nrest)++] = (int)v;
		p += n;
		if (*p == '\0')
			return 0;
		p++;	/* the separator: something must follow it */
	}
}

static int
parse_side(const char *s, const char *what, uint32_t *out, Err *e)
{
	uint64_t v;

	if (parse_u64(s, 1, TRAIN_MAX_SIDE, &v, e) < 0)
		return err_prefix(e, "%s", what);
	*out = (uint32_t)v;
	return 0;
}

/* Fills r->row from a CSV row; -1 with e set when a field is bad. */
static int
check_row(TrainReader *r, const CsvRow *c, Err *e)
{
	TrainRow *row = &r->row;
	int *col = r->col;

	if (c->n != r->ncols)
		return err_set(e, "%zu fields, the header has %zu", c->n, r->ncols);
	row->line = c->line;
	row->image_id = c->field[col[COL_ID]];
	row->stem = row->image_id;
	row->stem_len = path_stem_len(row->image_id, c->len[col[COL_ID]]);
	if (!image_stem_ok(row->stem, row->stem_len))
		return err_set(e, "ImageId '%s' cannot name a file", row->image_id);
	row->height = row->width = 0;
	if (col[COL_HEIGHT] >= 0) {
		if (parse_side(c->field[col[COL_HEIGHT]], "Height", &row->height, e) < 0 ||
		    parse_side(c->field[col[COL_WIDTH]], "Width", &row->width, e) < 0)
			return -1;
		if ((uint64_t)row->height * row->width > r->o.max_pixels)
			return err_set(e, "Height x Width %ux%u is more than %llu "
			    "pixels", row->height, row->width,
			    (unsigned long long)r->o.max_pixels);
	}
	row->class_id = c->field[col[COL_CLASS]];
	if (parse_ids(row->class_id, '_', &row->category, row->attrs,
	    &row->nattrs, "ClassId", e) < 0)
		return -1;
	if (col[COL_ATTRS] >= 0 && row->nattrs > 0)
		return err_set(e, "ClassId '%s' has attributes and so does "
		    "AttributesIds", row->class_id);
	if (col[COL_ATTRS] >= 0 && c->len[col[COL_ATTRS]] > 0 &&
	    parse_ids(c->field[col[COL_ATTRS]], ',', NULL, row->attrs,
	    &row->nattrs, "AttributesIds", e) < 0)
		return -1;
	if (row->category >= r->o.ncat)
		return err_set(e, "unknown category %d (ids are 0-%d)",
		    row->category, r->o.ncat - 1);
	row->encoded = c->field[col[COL_PIXELS]];
	row->encoded_len = c->len[col[COL_PIXELS]];
	if (r->o.parse_rle) {
		uint64_t npix = (uint64_t)row->height * row->width;

		if (rle_parse(&row->rle, row->encoded, row->encoded_len,
		    npix ? npix : r->o.max_pixels, e) < 0)
			return -1;
	}
	return 0;
}

int
train_next(TrainReader *r, const TrainRow **row, Err *e)
{
	const CsvRow *c;
	int rc = csv_next(r->csv, &c, e);

	if (rc <= 0)
		return rc;
	if (check_row(r, c, e) < 0) {
		err_prefix(e, "%s:%llu", r->name, (unsigned long long)c->line);
		return 2;
	}
	*row = &r->row;
	return 1;
}
