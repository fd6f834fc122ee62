/* site — the page and the sample photos. See site.h. */
#include "site.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "xalloc.h"

enum { MAX_FILES = 64, MAX_FILE_BYTES = 16 << 20 };

struct Site {
	SiteFile f[MAX_FILES];
	int n;
	char *credit;		/* samples/README */
};

static const struct {
	const char *url, *file, *type;
} page[] = {
	{ "/", "serve/index.html", "text/html; charset=utf-8" },
	{ "/app.js", "serve/app.js", "text/javascript; charset=utf-8" },
	{ "/style.css", "serve/style.css", "text/css; charset=utf-8" },
};

/* The whole file, at most MAX_FILE_BYTES. */
static char *
slurp(const char *path, size_t *len, Err *e)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	size_t n;

	if (fp == NULL)
		return err_sys(e, "%s", path), NULL;
	buf = xmalloc(MAX_FILE_BYTES);
	n = fread(buf, 1, MAX_FILE_BYTES, fp);
	if (ferror(fp) || n == MAX_FILE_BYTES) {
		err_set(e, "%s: unreadable or over %d bytes", path,
		    MAX_FILE_BYTES);
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	*len = n;
	buf = xreallocarray(buf, n + 1, 1);
	buf[n] = '\0';
	return buf;
}

static int
add(Site *s, const char *url, const char *file, const char *type,
    int sample, Err *e)
{
	char path[PATH_MAX];
	SiteFile *f = &s->f[s->n];

	if (s->n == MAX_FILES)
		return err_set(e, "more than %d files to serve", MAX_FILES);
	if (path_shipped(file, path, sizeof path) < 0)
		return err_set(e, "%s: not found beside the program "
		    "(share/imatseg/%s)", file, file);
	if ((f->data = slurp(path, &f->len, e)) == NULL)
		return -1;
	f->url = xstrdup(url);
	f->type = type;
	f->sample = sample;
	s->n++;
	return 0;
}

static int
by_url(const void *a, const void *b)
{
	return strcmp(((const SiteFile *)a)->url, ((const SiteFile *)b)->url);
}

/* Every NAME.jpg in share/imatseg/samples, served as /samples/NAME.jpg. */
static int
add_samples(Site *s, Err *e)
{
	char dir[PATH_MAX];
	struct dirent *d;
	DIR *dp;
	int first = s->n, rc = 0;

	if (path_shipped("samples", dir, sizeof dir) < 0 ||
	    (dp = opendir(dir)) == NULL)
		return 0;	/* no samples: the page does without */
	while (rc == 0 && (d = readdir(dp)) != NULL) {
		size_t n = strlen(d->d_name);
		char url[300], file[300];

		if (n < 5 || n > 200 || strcmp(d->d_name + n - 4, ".jpg") != 0 ||
		    d->d_name[0] == '.')
			continue;
		snprintf(url, sizeof url, "/samples/%s", d->d_name);
		snprintf(file, sizeof file, "samples/%s", d->d_name);
		rc = add(s, url, file, "image/jpeg", 1, e);
	}
	closedir(dp);
	qsort(s->f + first, (size_t)(s->n - first), sizeof *s->f, by_url);
	return rc;
}

Site *
site_load(Err *e)
{
	Site *s = xcalloc(1, sizeof *s);
	char path[PATH_MAX];
	size_t len;

	for (size_t i = 0; i < sizeof page / sizeof page[0]; i++)
		if (add(s, page[i].url, page[i].file, page[i].type, 0, e) < 0) {
			site_free(s);
			return NULL;
		}
	if (add_samples(s, e) < 0) {
		site_free(s);
		return NULL;
	}
	if (path_shipped("samples/README", path, sizeof path) == 0)
		s->credit = slurp(path, &len, e);
	return s;
}

void
site_free(Site *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < s->n; i++)
		free(s->f[i].url), free(s->f[i].data);
	free(s->credit);
	free(s);
}

const SiteFile *
site_find(const Site *s, const char *url)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->f[i].url, url) == 0)
			return &s->f[i];
	return NULL;
}

void
site_samples(const Site *s, Answer *a)
{
	json_t *list = json_array();

	for (int i = 0; i < s->n; i++)
		if (s->f[i].sample)
			json_array_append_new(list, json_string(s->f[i].url));
	answer_json(a, 200, json_pack("{s:o,s:o}", "samples", list, "credit",
	    s->credit != NULL ? json_text(s->credit) : json_string("")));
}
