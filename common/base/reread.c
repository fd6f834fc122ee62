/* reread — a second pass over a stream. See reread.h. */
#include "reread.h"

#include <sys/stat.h>

int
reread_begin(Reread *r, FILE *fp, Err *e)
{
	struct stat st;

	*r = (Reread){ .fp = fp, .start = -1 };
	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) &&
	    (r->start = ftello(fp)) >= 0)
		return 0;
	if ((r->spool = tmpfile()) == NULL)
		return err_sys(e, "temporary copy");
	return 0;
}

FILE *
reread_tee(const Reread *r)
{
	return r->spool;
}

FILE *
reread_again(Reread *r, Err *e)
{
	FILE *fp = r->spool != NULL ? r->spool : r->fp;
	off_t at = r->spool != NULL ? 0 : r->start;

	if ((r->spool != NULL && fflush(r->spool) != 0) ||
	    fseeko(fp, at, SEEK_SET) != 0) {
		err_sys(e, "cannot read it a second time");
		return NULL;
	}
	return fp;
}

void
reread_end(Reread *r)
{
	if (r->spool != NULL)
		fclose(r->spool);
	r->spool = NULL;
}
