/* xalloc — allocation that aborts with a message on exhaustion: the one
 * place in common/ allowed to end the process. Sizes are checked for
 * overflow before multiplying. */
#ifndef IMATSEG_XALLOC_H
#define IMATSEG_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xmallocarray(size_t nmemb, size_t size);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* 64-byte aligned, for SIMD and cache lines; release with free(). */
void *xaligned(size_t n);

#endif
