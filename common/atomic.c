#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"

struct Atomic {
	char *path;	/* final name */
	char *tmp;	/* temporary name, NULL for stdout */
	FILE *fp;
};

static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

Atomic *
atomic_open(const char *path, Err *e)
{
	Atomic *a = xcalloc(1, sizeof *a);
	const char *base;
	size_t n;
	int fd;

	a->path = xstrdup(path);
	if (strcmp(path, "-") == 0) {
		a->fp = stdout;
		return a;
	}
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (*base == '\0') {
		err_set(e, "%s: is a directory name", path);
		goto fail;
	}
	/* Hidden, in the same directory (rename stays on one file system). */
	n = strlen(path) + 16;
	a->tmp = xmalloc(n);
	snprintf(a->tmp, n, "%.*s.%s.XXXXXX", (int)(base - path), path, base);
	fd = mkstemp(a->tmp);
	if (fd < 0) {
		err_sys(e, "%s", path);
		goto fail;
	}
	/* mkstemp makes 0600; an output file should look like any other. */
	{
		mode_t um = umask(0);

		umask(um);
		(void)fchmod(fd, 0666 & ~um);
	}
	a->fp = fdopen(fd, "wb");
	if (a->fp == NULL) {
		err_sys(e, "%s", path);
		close(fd);
		unlink(a->tmp);
		goto fail;
	}
	return a;
fail:
	free(a->tmp);
	free(a->path);
	free(a);
	return NULL;
}

FILE *
atomic_file(Atomic *a)
{
	return a->fp;
}

const char *
atomic_path(const Atomic *a)
{
	return a->path;
}

static void
atomic_free(Atomic *a)
{
	free(a->tmp);
	free(a->path);
	free(a);
}

static int
sync_dir(const char *path)
{
	char *dir = dir_of(path);
	int fd = open(dir, O_RDONLY);

	free(dir);
	if (fd < 0)
		return -1;
	(void)fsync(fd);	/* some file systems refuse; the rename stands */
	close(fd);
	return 0;
}

int
atomic_commit(Atomic *a, Err *e)
{
	int rc = 0;

	if (a->tmp == NULL) {	/* stdout */
		if (fflush(a->fp) != 0 || ferror(a->fp))
			rc = err_sys(e, "stdout");
		atomic_free(a);
		return rc;
	}
	if (fflush(a->fp) != 0 || ferror(a->fp) || fsync(fileno(a->fp)) != 0) {
		rc = err_sys(e, "%s", a->path);
		fclose(a->fp);
		unlink(a->tmp);
	} else if (fclose(a->fp) != 0) {
		rc = err_sys(e, "%s", a->path);
		unlink(a->tmp);
	} else if (rename(a->tmp, a->path) != 0) {
		rc = err_sys(e, "%s", a->path);
		unlink(a->tmp);
	} else {
		sync_dir(a->path);
	}
	atomic_free(a);
	return rc;
}

void
atomic_abort(Atomic *a)
{
	if (a == NULL)
		return;
	if (a->tmp != NULL) {
		fclose(a->fp);
		unlink(a->tmp);
	} else {
		fflush(a->fp);
	}
	atomic_free(a);
}

int
atomic_write(const char *path, const void *buf, size_t len, Err *e)
{
	Atomic *a = atomic_open(path, e);

	if (a == NULL)
		return -1;
	if (len > 0 && fwrite(buf, 1, len, a->fp) != len) {
		err_sys(e, "%s", path);
		atomic_abort(a);
		return -1;
	}
	return atomic_commit(a, e);
}
