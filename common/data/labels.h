/* labels — category and attribute names from label_descriptions.json
 * (the 2019 or the 2020 file). Without a file, the 46 categories of the
 * competition are known by id only. A Labels owns its strings. */
#ifndef IMATSEG_LABELS_H
#define IMATSEG_LABELS_H

#include <stddef.h>

#include "err.h"

#define LABELS_CATEGORIES 46	/* ids 0-45 in both years */
#define LABELS_MAX_ID 100000	/* larger ids in a file are refused */
#define LABEL_MAX_CATEGORIES 254	/* c+1 must stay below 255 (ignore) */

typedef struct {
	int ncat;		/* categories: ids 0..ncat-1 */
	char **cat;		/* [ncat] names, "" when unnamed */
	int nattr;		/* attribute ids 0..nattr-1 may be named */
	char **attr;		/* [nattr] names, NULL for an id the file lacks */
} Labels;

/* The built-in default: 46 unnamed categories, no attribute names. */
void labels_default(Labels *l);
int labels_load(Labels *l, const char *path, Err *e);
/* The file at path; or, with path NULL, the shipped file when it can be
 * read, else labels_default. Refuses more than LABEL_MAX_CATEGORIES. */
int labels_open(Labels *l, const char *path, Err *e);
void labels_free(Labels *l);
const char *labels_category(const Labels *l, int id);	/* "" if unknown */
const char *labels_attribute(const Labels *l, int id);	/* "" if unknown */

/* The label_descriptions.json shipped with imatseg, found beside the
 * running program (bin/../share/imatseg/), in the build tree or where
 * `make install` put it. Returns 0 and fills buf when it exists. */
int labels_shipped_path(char *buf, size_t size);

#endif
