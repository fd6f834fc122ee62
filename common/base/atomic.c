/* syncfs(2) is Linux-specific. */
#define _GNU_SOURCE
#include "atomic.h"

#include <pthread.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "path.h"
#include "xalloc.h"

struct Atomic {
	char *path;	/* final name */
	char *tmp;	/* temporary name, NULL for stdout */
	FILE *fp;
};

/* Temporary files are named DIR/.BASE.imatseg.HOST.PID.XXXXXX: hidden,
 * beside the final name (the rename stays on one file system), and
 * saying whose they are, so that a later run can remove those of
 * processes that are gone (killed with -9: nothing else leaves them).
 * Only files of this host are judged, by whether their process exists. */
#define TMP_MARK ".imatseg."

static pthread_once_t umask_once = PTHREAD_ONCE_INIT;
static mode_t umask_value;

static void
read_umask(void)
{
	umask_value = umask(0);
	umask(umask_value);
}

/* umask(2) can only be read by setting it: do that once, before any
 * thread of ours creates files, not on every file. */
static mode_t
process_umask(void)
{
	pthread_once(&umask_once, read_umask);
	return umask_value;
}

/* Is name a temporary file of ours, from this host, whose process is
 * gone? */
static int
stale(const char *name, const char *host)
{
	const char *mark = NULL, *p, *dot;
	size_t hl = strlen(host);
	long pid;

	for (p = name; (p = strstr(p, TMP_MARK)) != NULL; p++)
		mark = p;
	if (name[0] != '.' || mark == NULL)
		return 0;
	p = mark + strlen(TMP_MARK);
	if (strncmp(p, host, hl) != 0 || p[hl] != '.')
		return 0;
	p += hl + 1;
	if ((dot = strchr(p, '.')) == NULL || strlen(dot + 1) != 6 ||
	    strspn(p, "0123456789") != (size_t)(dot - p) || dot - p > 9 ||
	    dot == p)
		return 0;
	pid = strtol(p, NULL, 10);
	return pid != (long)getpid() && kill((pid_t)pid, 0) != 0 &&
	    errno == ESRCH;
}

/* Removes the stale temporary files of dir, once per directory and
 * process (a run that writes 45,000 masks reads the directory once). */
static void
sweep(const char *dir, const char *host)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static char **swept;
	static size_t nswept;
	struct dirent *de;
	DIR *d;

	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < nswept; i++)
		if (strcmp(swept[i], dir) == 0) {
			pthread_mutex_unlock(&mu);
			return;
		}
	swept = xreallocarray(swept, nswept + 1, sizeof *swept);
	swept[nswept++] = xstrdup(dir);
	pthread_mutex_unlock(&mu);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (stale(de->d_name, host)) {
			char *p = path_join(dir, de->d_name);

			(void)unlink(p);	/* another run may be first */
			free(p);
		}
	closedir(d);
}

Atomic *
atomic_open(const char *path, Err *e)
{
	Atomic *a = xcalloc(1, sizeof *a);
	const char *base;
	char host[256], *dir;
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
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	host[strcspn(host, "/")] = '\0';	/* no path in a file name */
	dir = path_dir(path);
	sweep(dir, host);
	free(dir);
	n = strlen(path) + strlen(TMP_MARK) + strlen(host) + 32;
	a->tmp = xmalloc(n);
	snprintf(a->tmp, n, "%.*s.%s" TMP_MARK "%s.%ld.XXXXXX",
	    (int)(base - path), path, base, host, (long)getpid());
	fd = mkstemp(a->tmp);
	if (fd < 0) {
		err_sys(e, "%s", path);
		goto fail;
	}
	/* mkstemp makes 0600; an output file should look like any other. */
	(void)fchmod(fd, 0666 & ~process_umask());
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
	char *dir = path_dir(path);
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


struct AtomicBatch {
	pthread_mutex_t mu;
	int size, n;
	char **tmp, **path;	/* queued renames */
	int dirfd_hint;		/* any open fd on the output file system */
};

AtomicBatch *
atomic_batch_new(int size)
{
	AtomicBatch *b = xcalloc(1, sizeof *b);

	b->size = size > 0 ? size : 1;
	b->tmp = xcalloc((size_t)b->size, sizeof *b->tmp);
	b->path = xcalloc((size_t)b->size, sizeof *b->path);
	b->dirfd_hint = -1;
	pthread_mutex_init(&b->mu, NULL);
	return b;
}

/* Under b->mu: one sync, then every rename. */
static int
batch_flush_locked(AtomicBatch *b, Err *e)
{
	int rc = 0;

	if (b->n == 0)
		return 0;
	if (b->dirfd_hint >= 0) {
		(void)syncfs(b->dirfd_hint);
		close(b->dirfd_hint);
		b->dirfd_hint = -1;
	}
	for (int i = 0; i < b->n; i++) {
		if (rename(b->tmp[i], b->path[i]) != 0) {
			rc = err_sys(e, "%s", b->path[i]);
			unlink(b->tmp[i]);
		}
		free(b->tmp[i]);
		free(b->path[i]);
	}
	b->n = 0;
	return rc;
}

int
atomic_batch_add(AtomicBatch *b, Atomic *a, Err *e)
{
	int rc = 0;

	if (a->tmp == NULL)	/* stdout: nothing to rename */
		return atomic_commit(a, e);
	if (fflush(a->fp) != 0 || ferror(a->fp)) {
		err_sys(e, "%s", a->path);
		atomic_abort(a);
		return -1;
	}
	pthread_mutex_lock(&b->mu);
	if (b->dirfd_hint < 0)
		b->dirfd_hint = dup(fileno(a->fp));
	if (fclose(a->fp) != 0) {
		rc = err_sys(e, "%s", a->path);
		unlink(a->tmp);
		atomic_free(a);
	} else {
		b->tmp[b->n] = a->tmp;
		b->path[b->n] = a->path;
		b->n++;
		free(a);
	}
	if (b->n == b->size && batch_flush_locked(b, e) < 0)
		rc = -1;
	pthread_mutex_unlock(&b->mu);
	return rc;
}

int
atomic_batch_flush(AtomicBatch *b, Err *e)
{
	int rc;

	pthread_mutex_lock(&b->mu);
	rc = batch_flush_locked(b, e);
	pthread_mutex_unlock(&b->mu);
	return rc;
}

int
atomic_batch_free(AtomicBatch *b, Err *e)
{
	int rc;

	if (b == NULL)
		return 0;
	rc = atomic_batch_flush(b, e);
	pthread_mutex_destroy(&b->mu);
	free(b->tmp);
	free(b->path);
	free(b);
	return rc;
}

int
atomic_write_batch(const char *path, const void *buf, size_t len,
    AtomicBatch *batch, Err *e)
{
	Atomic *a = atomic_open(path, e);

	if (a == NULL)
		return -1;
	if (len > 0 && fwrite(buf, 1, len, a->fp) != len) {
		err_sys(e, "%s", path);
		atomic_abort(a);
		return -1;
	}
	return batch ? atomic_batch_add(batch, a, e) : atomic_commit(a, e);
}

int
atomic_write(const char *path, const void *buf, size_t len, Err *e)
{
	return atomic_write_batch(path, buf, len, NULL, e);
}
