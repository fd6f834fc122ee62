/* httpparse — our request parsers. See httpparse.h. */
#include "httpparse.h"

#include <stdio.h>
#include <string.h>

const char *const format_name[FMT_COUNT] = { "png", "overlay", "json", "csv" };
const char *const format_type[FMT_COUNT] = { "image/png", "image/png",
    "application/json", "text/csv; charset=utf-8" };

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* s (n bytes) equals the lowercase word w, ignoring case. */
static int
eq_word(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);

	if (n != k)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)s[i]) != w[i])
			return 0;
	return 1;
}

static Slice
trim(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return (Slice){ p, (size_t)(end - p) };
}

int
query_next(const char **q, const char *end, Slice *key, Slice *val)
{
	while (*q < end) {
		const char *p = *q, *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end, *eq;

		*q = amp ? amp + 1 : end;
		if (stop == p)
			continue;
		eq = memchr(p, '=', (size_t)(stop - p));
		*key = (Slice){ p, (size_t)((eq ? eq : stop) - p) };
		*val = eq ? (Slice){ eq + 1, (size_t)(stop - eq - 1) } :
		    (Slice){ stop, 0 };
		return 1;
	}
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

long
url_decode(Slice s, char *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < s.n; i++) {
		int c = (unsigned char)s.p[i];

		if (c == '+')
			c = ' ';
		else if (c == '%') {
			int hi, lo;

			if (s.n - i < 3 || (hi = hexval(s.p[i + 1])) < 0 ||
			    (lo = hexval(s.p[i + 2])) < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c == 0 || n + 1 >= cap)
			return -1;
		out[n++] = (char)c;
	}
	if (cap == 0)
		return -1;
	out[n] = '\0';
	return (long)n;
}

/* The value of parameter `name` in "; a=b; name="v"" (p to end), quotes
 * removed (no escapes inside: boundaries and file names have none). */
static int
param(const char *p, const char *end, const char *name, Slice *out)
{
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *stop = semi ? semi : end, *eq;

		eq = memchr(p, '=', (size_t)(stop - p));
		if (eq != NULL) {
			Slice k = trim(p, eq), v = trim(eq + 1, stop);

			if (v.n >= 2 && v.p[0] == '"') {
				const char *close = memchr(v.p + 1, '"',
				    (size_t)(end - v.p - 1));

				if (close == NULL)
					return -1;
				v = (Slice){ v.p + 1, (size_t)(close - v.p - 1) };
				/* a quoted value may hold ';': go on after it */
				semi = memchr(close, ';', (size_t)(end - close));
				stop = semi ? semi : end;
			}
			if (eq_word(k.p, k.n, name)) {
				*out = v;
				return 1;
			}
		}
		p = stop < end ? stop + 1 : end;
	}
	return 0;
}

int
body_kind(const char *ct, Slice *boundary)
{
	const char *end, *semi;
	Slice type;

	if (ct == NULL)
		return BODY_PHOTO;
	end = ct + strlen(ct);
	semi = memchr(ct, ';', (size_t)(end - ct));
	type = trim(ct, semi ? semi : end);
	if (type.n == 0)
		return BODY_PHOTO;
	if (eq_word(type.p, type.n, "image/jpeg") ||
	    eq_word(type.p, type.n, "image/jpg") ||
	    eq_word(type.p, type.n, "image/png") ||
	    eq_word(type.p, type.n, "application/octet-stream") ||
	    eq_word(type.p, type.n, "application/x-www-form-urlencoded"))
		return BODY_PHOTO;
	if (!eq_word(type.p, type.n, "multipart/form-data"))
		return memchr(type.p, '/', type.n) ? BODY_UNSUPPORTED : BODY_BAD;
	if (semi == NULL || param(semi + 1, end, "boundary", boundary) != 1 ||
	    boundary->n == 0 || boundary->n > 70)
		return BODY_BAD;
	return BODY_MULTIPART;
}

/* The first occurrence of needle (m bytes) in hay (n bytes). */
static const uint8_t *
find(const uint8_t *hay, size_t n, const char *needle, size_t m)
{
	if (m == 0)
		return hay;
	while (n >= m) {
		const uint8_t *p = memchr(hay, needle[0], n - m + 1);

		if (p == NULL)
			return NULL;
		if (memcmp(p, needle, m) == 0)
			return p;
		n -= (size_t)(p - hay) + 1;
		hay = p + 1;
	}
	return NULL;
}

/* The filename of a part whose header block is h (n bytes), if any. */
static int
part_filename(const uint8_t *h, size_t n, Slice *filename)
{
	const char *p = (const char *)h, *end = p + n;

	while (p < end) {
		const char *eol = memchr(p, '\r', (size_t)(end - p));
		const char *stop = eol ? eol : end, *colon;

		colon = memchr(p, ':', (size_t)(stop - p));
		if (colon != NULL && eq_word(p, (size_t)(colon - p),
		    "content-disposition"))
			return param(colon + 1, stop, "filename", filename) == 1;
		p = stop + (eol ? 2 : 0);
	}
	return 0;
}

int
multipart_file(const uint8_t *body, size_t len, Slice boundary,
    Slice *content, Slice *filename, Err *e)
{
	char delim[80];
	size_t dn;
	const uint8_t *p, *end = body + len;
	int found = 0;

	if (boundary.n == 0 || boundary.n > 70)
		return err_set(e, "multipart: bad boundary");
	dn = (size_t)snprintf(delim, sizeof delim, "\r\n--%.*s",
	    (int)boundary.n, boundary.p);
	/* the first delimiter may open the body without its CRLF */
	if (len >= dn - 2 && memcmp(body, delim + 2, dn - 2) == 0)
		p = body + dn - 2;
	else if ((p = find(body, len, delim, dn)) != NULL)
		p += dn;
	else
		return err_set(e, "multipart: no boundary in the body");
	for (;;) {
		const uint8_t *hend, *data, *next;
		Slice fn = { "", 0 };
		int named = 0;

		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			break;		/* the closing delimiter */
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			return err_set(e, "multipart: a delimiter not followed "
			    "by a line end");
		p += 2;
		if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
			data = p + 2;	/* no headers */
		} else if ((hend = find(p, (size_t)(end - p), "\r\n\r\n", 4)) ==
		    NULL) {
			return err_set(e, "multipart: a part without the end "
			    "of its headers");
		} else {
			named = part_filename(p, (size_t)(hend - p), &fn);
			data = hend + 4;
		}
		if ((next = find(data, (size_t)(end - data), delim, dn)) == NULL)
			return err_set(e, "multipart: a part without its closing "
			    "boundary");
		if (!found || named) {
			*content = (Slice){ (const char *)data,
			    (size_t)(next - data) };
			*filename = fn;
			if (named)
				return 0;
			found = 1;
		}
		p = next + dn;
	}
	if (!found)
		return err_set(e, "multipart: no part");
	return 0;
}

int
photo_sniff(const uint8_t *b, size_t n)
{
	static const struct {
		const char *magic;
		size_t len;
	} other[] = {
		{ "GIF8", 4 }, { "BM", 2 }, { "II*\0", 4 }, { "MM\0*", 4 },
		{ "\0\0\0\x0cjP  ", 8 }, { "\xff\x0a", 2 },
	};

	if (n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
		return PHOTO_JPEG;
	if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
		return PHOTO_PNG;
	if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
		return PHOTO_OTHER_IMAGE;
	if (n >= 12 && memcmp(b + 4, "ftyp", 4) == 0)
		return PHOTO_OTHER_IMAGE;	/* HEIF, AVIF */
	for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
		if (n >= other[i].len && memcmp(b, other[i].magic, other[i].len) == 0)
			return PHOTO_OTHER_IMAGE;
	return PHOTO_UNKNOWN;
}

/* The q of one media range's parameters (p to end): 0 to 1000. */
static int
qvalue(const char *p, const char *end)
{
	Slice v;
	int q = 0, digits = 0;

	if (param(p, end, "q", &v) != 1)
		return 1000;
	if (v.n == 0 || (v.p[0] != '0' && v.p[0] != '1'))
		return 0;
	q = (v.p[0] - '0') * 1000;
	if (v.n >= 2 && v.p[1] == '.')
		for (size_t i = 2; i < v.n && i < 5; i++, digits++) {
			if (v.p[i] < '0' || v.p[i] > '9')
				return 0;
			q += (v.p[i] - '0') * (digits == 0 ? 100 : digits == 1 ?
			    10 : 1);
		}
	return q > 1000 ? 1000 : q;
}

static int
range_format(Slice t)
{
	if (eq_word(t.p, t.n, "image/png") || eq_word(t.p, t.n, "image/*") ||
	    eq_word(t.p, t.n, "*/*"))
		return FMT_PNG;
	if (eq_word(t.p, t.n, "application/json") ||
	    eq_word(t.p, t.n, "application/*"))
		return FMT_JSON;
	if (eq_word(t.p, t.n, "text/csv") || eq_word(t.p, t.n, "text/*"))
		return FMT_CSV;
	return -1;
}

int
accept_format(const char *accept)
{
	const char *p, *end;
	int best = -1, bestq = 0;

	if (accept == NULL || trim(accept, accept + strlen(accept)).n == 0)
		return FMT_PNG;
	p = accept;
	end = accept + strlen(accept);
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *stop = comma ? comma : end;
		const char *semi = memchr(p, ';', (size_t)(stop - p));
		int f = range_format(trim(p, semi ? semi : stop));
		int q = semi ? qvalue(semi + 1, stop) : 1000;

		if (f >= 0 && q > bestq)
			best = f, bestq = q;
		p = comma ? comma + 1 : end;
	}
	return best;
}

int
image_id_ok(const char *s, size_t n)
{
	if (n == 0 || n > 255)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '/' ||
		    (unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int
one_option(Slice key, Slice val, SegOptions *o, int *have_format, Err *e)
{
	char k[32], v[256];
	long n;

	if (url_decode(key, k, sizeof k) < 0)
		return err_set(e, "a query parameter's name is not valid");
	if ((n = url_decode(val, v, sizeof v)) < 0)
		return err_set(e, "?%s: not a valid value (at most 255 bytes)",
		    k);
	if (strcmp(k, "format") == 0) {
		int f = 0;

		while (f < FMT_COUNT && strcmp(v, format_name[f]) != 0)
			f++;
		if (f == FMT_COUNT)
			return err_set(e, "?format=%s: not png, overlay, json "
			    "or csv", v);
		o->format = f;
		*have_format = 1;
	} else if (strcmp(k, "id") == 0) {
		if (!image_id_ok(v, (size_t)n))
			return err_set(e, "?id=%s: an ImageId has 1 to 255 "
			    "bytes and no comma, quote, slash or control "
			    "character", v);
		memcpy(o->id, v, (size_t)n + 1);
	} else if (strcmp(k, "instances") == 0) {
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
			return err_set(e, "?instances=%s: not 0 or 1", v);
		o->instances = v[0] - '0';
	} else {
		return err_set(e, "?%s: unknown parameter (format, id, "
		    "instances)", k);
	}
	return 0;
}

int
seg_options(const char *q, size_t n, const char *accept, SegOptions *o,
    Err *e)
{
	const char *end = q + n;
	Slice key, val;
	int have_format = 0;

	*o = (SegOptions){ .format = FMT_PNG };
	while (query_next(&q, end, &key, &val))
		if (one_option(key, val, o, &have_format, e) < 0)
			return 400;
	if (!have_format && (o->format = accept_format(accept)) < 0) {
		o->format = FMT_PNG;
		return err_set(e, "Accept: none of image/png, application/json, "
		    "text/csv (or ?format=)"), 406;
	}
	return 0;
}
