/* answer — what unet-serve sends back for a request, as bytes: a status,
 * a Content-Type and a body, with the JSON error bodies every refusal
 * gets. The Answer owns its body until the server hands it on. */
#ifndef IMATSEG_ANSWER_H
#define IMATSEG_ANSWER_H

#include <stdarg.h>
#include <stddef.h>

#include <jansson.h>

typedef struct {
	int status;		/* HTTP; 0 while there is none */
	const char *type;	/* Content-Type, static */
	char *body;		/* malloc'd */
	size_t len;
} Answer;

/* {"error": "message"} with the status. */
void answer_error(Answer *a, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void answer_verror(Answer *a, int status, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* The JSON value j (consumed), compact, with a newline. */
void answer_json(Answer *a, int status, json_t *j);
/* len bytes at body (taken) of the given type, 200. */
void answer_bytes(Answer *a, const char *type, void *body, size_t len);
void answer_free(Answer *a);

/* A JSON string of s, whatever its bytes: invalid UTF-8 becomes '?'. */
json_t *json_text(const char *s);

#endif
