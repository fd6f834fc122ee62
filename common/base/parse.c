#include "parse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int
parse_long(const char *s, long min, long max, long *out, Err *e)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return err_set(e, "empty number");
	if (!(*s == '-' || (*s >= '0' && *s <= '9')))
		return err_set(e, "'%s' is not a number", s);
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0' || end == s || (*s == '-' && end == s + 1))
		return err_set(e, "'%s' is not a number", s);
	if (errno == ERANGE || v < min || v > max)
		return err_set(e, "%s is out of range [%ld, %ld]", s, min, max);
	*out = v;
	return 0;
}

int
scan_u64(const char *s, const char *end, uint64_t max, uint64_t *out)
{
	const char *p = s, *digits;
	uint64_t v = 0;

	while (p < end && *p == '0')	/* leading zeros add no value */
		p++;
	digits = p;
	/* 19 decimal digits always fit in 64 bits: no check per digit
	 * until the 20th, the last that may fit */
	while (p < end && *p >= '0' && *p <= '9') {
		unsigned d = (unsigned)(*p - '0');

		if (p - digits >= 19 && (p - digits > 19 || v > (UINT64_MAX - d) / 10))
			return -1;
		v = v * 10 + d;
		p++;
	}
	if (p == s)
		return 0;
	if (v > max)
		return -1;
	*out = v;
	return (int)(p - s);
}

int
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, Err *e)
{
	uint64_t v;
	size_t len;
	int n;

	if (s == NULL || *s == '\0')
		return err_set(e, "empty number");
	len = strlen(s);
	n = scan_u64(s, s + len, UINT64_MAX, &v);
	if (n < 0)
		return err_set(e, "%s is out of range [%llu, %llu]", s,
		    (unsigned long long)min, (unsigned long long)max);
	if (n == 0 || (size_t)n != len)
		return err_set(e, "'%s' is not a number", s);
	if (v < min || v > max)
		return err_set(e, "%s is out of range [%llu, %llu]", s,
		    (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

int
parse_double(const char *s, double min, double max, double *out, Err *e)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0')
		return err_set(e, "empty number");
	if (!(*s == '-' || *s == '.' || (*s >= '0' && *s <= '9')))
		return err_set(e, "'%s' is not a number", s);
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || end == s)
		return err_set(e, "'%s' is not a number", s);
	if (errno == ERANGE || !isfinite(v) || v < min || v > max)
		return err_set(e, "%s is out of range [%g, %g]", s, min, max);
	*out = v;
	return 0;
}

int
parse_shard(const char *s, long *i, long *n, Err *e)
{
	const char *slash = strchr(s, '/');
	char buf[64];
	size_t len;

	if (slash == NULL || (len = (size_t)(slash - s)) >= sizeof buf)
		return err_set(e, "'%s' is not I/N", s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (parse_long(slash + 1, 1, 1000000, n, e) < 0)
		return err_prefix(e, "shard count");
	if (parse_long(buf, 0, *n - 1, i, e) < 0)
		return err_prefix(e, "shard index");
	return 0;
}

int
parse_size(const char *s, long max, long *h, long *w, Err *e)
{
	const char *x = strchr(s, 'x');
	char buf[64];
	size_t len;

	if (x == NULL) {
		if (parse_long(s, 1, max, h, e) < 0)
			return -1;
		*w = *h;
		return 0;
	}
	if ((len = (size_t)(x - s)) >= sizeof buf)
		return err_set(e, "'%s' is not HxW", s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (parse_long(buf, 1, max, h, e) < 0 || parse_long(x + 1, 1, max, w, e) < 0)
		return err_prefix(e, "'%s'", s);
	return 0;
}
