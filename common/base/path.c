/* path — file names. See path.h. */
#include "path.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

char *
path_join_stem(const char *dir, const char *name, size_t len, const char *ext)
{
	size_t n = strlen(dir) + len + strlen(ext) + 2;
	char *p = xmalloc(n);

	snprintf(p, n, "%s/%.*s%s", dir, (int)len, name, ext);
	return p;
}

char *
path_join(const char *dir, const char *name)
{
	return path_join_stem(dir, name, strlen(name), "");
}

const char *
path_base(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

size_t
path_stem_len(const char *name, size_t len)
{
	const char *dot = NULL;

	for (size_t i = 0; i < len; i++)
		if (name[i] == '.')
			dot = name + i;
	if (dot == NULL || dot == name || dot == name + len - 1)
		return len;
	return (size_t)(dot - name);
}

const char *
path_stem(const char *path, size_t *len)
{
	const char *base = path_base(path);

	*len = path_stem_len(base, strlen(base));
	return base;
}

char *
path_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

int
path_shipped(const char *name, char *buf, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return -1;
	*slash = '\0';
	if ((size_t)snprintf(buf, size, "%s/../share/imatseg/%s", exe, name) >=
	    size)
		return -1;
	return access(buf, R_OK) == 0 ? 0 : -1;
}

/* One mkdir that accepts a directory already there. */
static int
make_dir(const char *dir, Err *e)
{
	struct stat st;

	if (mkdir(dir, 0777) == 0)
		return 0;
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	if (errno == EEXIST)
		return err_set(e, "%s: not a directory", dir);
	return err_sys(e, "%s", dir);
}

int
path_mkdirs(const char *dir, Err *e)
{
	char *p = xstrdup(dir);
	int rc = 0;

	/* each parent in turn, from the top: "a/b/c" makes a, a/b, a/b/c */
	for (char *s = p + 1; rc == 0 && *s != '\0'; s++) {
		if (*s != '/' || s[-1] == '/')
			continue;
		*s = '\0';
		rc = make_dir(p, e);
		*s = '/';
	}
	if (rc == 0)
		rc = make_dir(p, e);
	free(p);
	return rc;
}
