#include "maskset.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xalloc.h"

struct MaskList {
	const char *arg;
	struct dirent **ent;
	int nent, i;
	FILE *fp;
	char *line;
	size_t cap;
};

static int
is_png(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 4 &&
	    strcmp(d->d_name + n - 4, ".png") == 0;
}

MaskList *
masklist_open(const char *arg, Err *e)
{
	MaskList *l = xcalloc(1, sizeof *l);
	struct stat st;

	l->arg = arg;
	if (strcmp(arg, "-") == 0) {
		l->fp = stdin;
		return l;
	}
	if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
		if ((l->nent = scandir(arg, &l->ent, is_png, alphasort)) < 0) {
			err_sys(e, "%s", arg);
			free(l);
			return NULL;
		}
		return l;
	}
	if ((l->fp = fopen(arg, "r")) == NULL) {
		err_sys(e, "%s", arg);
		free(l);
		return NULL;
	}
	return l;
}

int
masklist_next(MaskList *l, char **path, Err *e)
{
	ssize_t n;

	if (l->fp == NULL) {
		if (l->i == l->nent)
			return 0;
		*path = path_join(l->arg, l->ent[l->i]->d_name);
		l->i++;
		return 1;
	}
	while ((n = getline(&l->line, &l->cap, l->fp)) > 0) {
		while (n > 0 && (l->line[n - 1] == '\n' || l->line[n - 1] == '\r'))
			l->line[--n] = '\0';
		if (n > 0) {
			*path = xstrdup(l->line);
			return 1;
		}
	}
	if (ferror(l->fp))
		return err_sys(e, "%s", l->arg);
	return 0;
}

void
masklist_close(MaskList *l)
{
	if (l == NULL)
		return;
	for (int i = 0; i < l->nent; i++)
		free(l->ent[i]);
	free(l->ent);
	free(l->line);
	if (l->fp != NULL && l->fp != stdin)
		fclose(l->fp);
	free(l);
}

int
maskset_load(MaskSet *s, const char *arg,
    void (*dup)(void *ctx, const char *path, const char *first), void *ctx,
    Err *e)
{
	MaskList *l;
	char *p;
	int added, rc;

	*s = (MaskSet){ .names = strmap_new() };
	if ((l = masklist_open(arg, e)) == NULL)
		return -1;
	while ((rc = masklist_next(l, &p, e)) > 0) {
		const char *b = path_base(p);
		uint64_t *slot = strmap_put(s->names, b, strlen(b), &added);

		if (!added) {
			if (dup != NULL)
				dup(ctx, p, s->path[*slot - 1]);
			free(p);
			continue;
		}
		if (s->n == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 64;
			s->path = xreallocarray(s->path, s->cap, sizeof *s->path);
		}
		s->path[s->n] = p;
		*slot = ++s->n;
	}
	masklist_close(l);
	s->used = xcalloc(s->n ? s->n : 1, 1);
	return rc;
}

const char *
maskset_find(const MaskSet *s, const char *base, size_t *index)
{
	uint64_t *slot = strmap_get(s->names, base, strlen(base));

	if (slot == NULL)
		return NULL;
	if (index != NULL)
		*index = *slot - 1;
	return s->path[*slot - 1];
}

void
maskset_free(MaskSet *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->path[i]);
	free(s->path);
	free(s->used);
	strmap_free(s->names);
}
