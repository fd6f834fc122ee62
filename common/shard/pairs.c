#include "pairs.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "path.h"
#include "xalloc.h"

static Pair *
pairs_add(PairList *pl)
{
	Pair *p;

	if (pl->n == pl->cap)
		pl->v = xreallocarray(pl->v, pl->cap = pl->cap ? 2 * pl->cap : 64,
		    sizeof *pl->v);
	p = &pl->v[pl->n++];
	memset(p, 0, sizeof *p);
	return p;
}

static char *
fmt_where(const char *name, size_t line)
{
	char buf[4096];

	snprintf(buf, sizeof buf, "%s:%zu", name, line);
	return xstrdup(buf);
}

int
pairs_read_list(PairList *pl, FILE *fp, const char *name, Err *e)
{
	char *line = NULL, *tab;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	Pair *p;

	while ((len = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len == 0)
			continue;
		p = pairs_add(pl);
		p->where = fmt_where(name, lineno);
		tab = strchr(line, '\t');
		if (tab == NULL || tab == line || tab[1] == '\0' ||
		    strchr(tab + 1, '\t') != NULL) {
			p->error = xstrdup("expected IMAGE<TAB>MASK");
			continue;
		}
		p->image = xstrndup(line, (size_t)(tab - line));
		p->mask = xstrdup(tab + 1);
	}
	free(line);
	if (ferror(fp))
		return err_sys(e, "%s", name);
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
pairs_read_dirs(PairList *pl, const char *images_dir, const char *masks_dir,
    Err *e)
{
	DIR *d = opendir(images_dir);
	struct dirent *de;
	struct stat st;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (d == NULL)
		return err_sys(e, "%s", images_dir);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap)
			names = xreallocarray(names, cap = cap ? 2 * cap : 64,
			    sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		size_t stem = path_stem_len(names[i], strlen(names[i]));
		Pair *p;

		p = pairs_add(pl);
		p->image = path_join(images_dir, names[i]);
		p->mask = path_join_stem(masks_dir, names[i], stem, ".png");
		p->where = xstrdup(p->image);
		if (stat(p->mask, &st) != 0)
			p->error = xstrdup("no mask for this photo");
		free(names[i]);
	}
	free(names);
	return 0;
}

typedef struct {
	const char *key;
	size_t i;
} KeyPos;

/* By key, then by position, so repeats follow the first. */
static int
cmp_key(const void *a, const void *b)
{
	const KeyPos *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

void
pairs_check_keys(PairList *pl)
{
	KeyPos *kp = xmallocarray(pl->n ? pl->n : 1, sizeof *kp);
	size_t m = 0, first = 0;
	Err e;

	for (size_t i = 0; i < pl->n; i++) {
		Pair *p = &pl->v[i];

		if (p->error != NULL)
			continue;
		if (shard_key(p->image, p->key, &e) < 0)
			p->error = xstrdup(e.msg);
		else
			kp[m++] = (KeyPos){ p->key, i };
	}
	qsort(kp, m, sizeof *kp, cmp_key);
	for (size_t k = 1; k < m; k++) {
		char buf[600];

		if (strcmp(kp[k].key, kp[first].key) != 0) {
			first = k;
			continue;
		}
		snprintf(buf, sizeof buf, "duplicate key '%s' (first at %s)",
		    kp[k].key, pl->v[kp[first].i].where);
		pl->v[kp[k].i].error = xstrdup(buf);
	}
	free(kp);
}

void
pairs_free(PairList *pl)
{
	for (size_t i = 0; i < pl->n; i++) {
		free(pl->v[i].image);
		free(pl->v[i].mask);
		free(pl->v[i].where);
		free(pl->v[i].error);
	}
	free(pl->v);
	memset(pl, 0, sizeof *pl);
}
