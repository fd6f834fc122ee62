/* err — the error value common/ returns instead of printing.
 * A function that can fail takes an Err * last, fills it and returns -1
 * (or NULL); the program decides how to report it. */
#ifndef IMATSEG_ERR_H
#define IMATSEG_ERR_H

#include <stddef.h>

typedef struct {
	char msg[512];
} Err;

/* Formats the message into e (when e is not NULL) and returns -1. */
int err_set(Err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like err_set, with ": strerror(errno)" appended. */
int err_sys(Err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefixes the message already in e with "prefix: ". */
int err_prefix(Err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
