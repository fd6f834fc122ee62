/* answer — answers and their JSON bodies. See answer.h. */
#include "answer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

json_t *
json_text(const char *s)
{
	json_t *j = json_string(s);
	char *t;

	if (j != NULL)
		return j;
	t = xstrdup(s);
	for (char *p = t; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(t);
	free(t);
	return j;
}

void
answer_json(Answer *a, int status, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));
	size_t n = s != NULL ? strlen(s) : 0;

	json_decref(j);
	answer_free(a);
	a->status = status;
	a->type = "application/json";
	a->body = xmalloc(n + 2);
	memcpy(a->body, s != NULL ? s : "", n);
	a->body[n] = '\n';
	a->body[n + 1] = '\0';
	a->len = n + 1;
	free(s);
}

void
answer_verror(Answer *a, int status, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof msg, fmt, ap);
	answer_json(a, status, json_pack("{s:o}", "error", json_text(msg)));
}

void
answer_error(Answer *a, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	answer_verror(a, status, fmt, ap);
	va_end(ap);
}

void
answer_bytes(Answer *a, const char *type, void *body, size_t len)
{
	answer_free(a);
	*a = (Answer){ 200, type, body, len };
}

void
answer_free(Answer *a)
{
	free(a->body);
	*a = (Answer){ 0 };
}
