/* fuzz httpparse: unet-serve's own parsers of what a client sends. The
 * first byte picks the parser, the rest is its input: a multipart body
 * (its first line, up to CRLF, is the boundary), a query string with an
 * Accept value (split at the first NUL), a Content-Type, photo magic.
 * What is returned must lie inside the input; options are in range. */
#include <string.h>

#include "fuzz.h"
#include "httpparse.h"

static int
inside(Slice s, const uint8_t *p, size_t n)
{
	return s.n == 0 || ((const uint8_t *)s.p >= p &&
	    (const uint8_t *)s.p + s.n <= p + n);
}

static void
multipart(const uint8_t *p, size_t n)
{
	const uint8_t *eol = memchr(p, '\n', n);
	Slice b, content, file;
	Err e;

	if (eol == NULL)
		return;
	b = (Slice){ (const char *)p, (size_t)(eol - p) };
	p = eol + 1;
	n -= b.n + 1;
	if (multipart_file(p, n, b, &content, &file, &e) == 0)
		FUZZ_ASSERT(inside(content, p, n) && inside(file, p, n));
}

static void
options(const uint8_t *p, size_t n)
{
	char buf[512];
	const uint8_t *nul = memchr(p, 0, n);
	size_t qn = nul ? (size_t)(nul - p) : n;
	const char *q = (const char *)p, *end = q + qn;
	const char *accept = NULL;
	SegOptions o;
	Slice k, v;
	Err e;
	int rc;

	while (query_next(&q, end, &k, &v)) {
		FUZZ_ASSERT(inside(k, p, qn) && inside(v, p, qn));
		FUZZ_ASSERT(url_decode(v, buf, sizeof buf) <= (long)v.n);
	}
	/* the Accept value: what follows the NUL, as a C string */
	if (nul != NULL && n - qn - 1 < sizeof buf) {
		memcpy(buf, nul + 1, n - qn - 1);
		buf[n - qn - 1] = '\0';
		accept = buf;
	}
	rc = seg_options((const char *)p, qn, accept, &o, &e);
	FUZZ_ASSERT(rc == 0 || rc == 400 || rc == 406);
	FUZZ_ASSERT(o.format >= 0 && o.format < FMT_COUNT);
	FUZZ_ASSERT(o.instances == 0 || o.instances == 1);
	FUZZ_ASSERT(o.id[0] == '\0' || image_id_ok(o.id, strlen(o.id)));
}

static void
content_type(const uint8_t *p, size_t n)
{
	char buf[512];
	Slice b;
	int k;

	if (n >= sizeof buf || memchr(p, 0, n) != NULL)
		return;
	memcpy(buf, p, n);
	buf[n] = '\0';
	k = body_kind(buf, &b);
	FUZZ_ASSERT(k >= BODY_PHOTO && k <= BODY_BAD);
	if (k == BODY_MULTIPART)
		FUZZ_ASSERT(b.n > 0 && b.n <= 70 &&
		    inside(b, (const uint8_t *)buf, n));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0: multipart(data + 1, size - 1); break;
	case 1: options(data + 1, size - 1); break;
	case 2: content_type(data + 1, size - 1); break;
	case 3: FUZZ_ASSERT(photo_sniff(data + 1, size - 1) <= PHOTO_UNKNOWN);
	}
	return 0;
}
