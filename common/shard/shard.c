#include "shard.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hash.h"
#include "path.h"
#include "tar.h"
#include "xalloc.h"

int
shard_key(const char *path, char *key, Err *e)
{
	size_t n;
	const char *base = path_stem(path, &n);

	if (n == 0 || n > SHARD_KEY_MAX)
		return err_set(e, "%s: image id must be 1 to %d characters",
		    path, SHARD_KEY_MAX);
	for (size_t i = 0; i < n; i++) {
		char c = base[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return err_set(e, "%s: image id '%.*s' is not a safe shard "
			    "key (A-Z a-z 0-9 _ - only)", path, (int)n, base);
	}
	memcpy(key, base, n);
	key[n] = '\0';
	return 0;
}

uint64_t
shard_checksum(const uint8_t *ppm, size_t ppm_len, const uint8_t *pgm,
    size_t pgm_len)
{
	return hash_fnv1a_more(hash_fnv1a(ppm, ppm_len), pgm, pgm_len);
}

int
shard_write_sample(FILE *fp, const Sample *s, Err *e)
{
	char name[TAR_NAME_MAX + 32];

	snprintf(name, sizeof name, "%s.ppm", s->key);
	if (tar_write_member(fp, name, s->ppm, s->ppm_len, e) < 0)
		return -1;
	snprintf(name, sizeof name, "%s.pgm", s->key);
	if (tar_write_member(fp, name, s->pgm, s->pgm_len, e) < 0)
		return -1;
	snprintf(name, sizeof name, "%s.json", s->key);
	return tar_write_member(fp, name, s->json, strlen(s->json), e);
}

/* The pixels of a member written by us: header exactly "Px\nS S\n255\n". */
static const uint8_t *
netpbm_pixels(const TarMember *m, char magic, int bpp, int *size)
{
	char want[64];
	int s = 0, n;
	const char *p = (const char *)m->data;

	if (m->size < 12 || p[0] != 'P' || p[1] != magic || p[2] != '\n')
		return NULL;
	for (n = 3; n < 10 && p[n] >= '0' && p[n] <= '9'; n++)
		s = s * 10 + (p[n] - '0');
	if (s < 1 || s > 65535)
		return NULL;
	n = snprintf(want, sizeof want, "P%c\n%d %d\n255\n", magic, s, s);
	if (m->size != (uint64_t)n + (uint64_t)bpp * s * s ||
	    memcmp(p, want, (size_t)n) != 0)
		return NULL;
	*size = s;
	return m->data + n;
}

static int
member_is(const TarMember *m, const char *key, const char *ext)
{
	size_t k = strlen(key);

	return strncmp(m->name, key, k) == 0 && strcmp(m->name + k, ext) == 0;
}

/* Reads the json member into s (id, height, width, fnv1a64). */
static int
parse_meta(const TarMember *m, ShardEntry *s, Err *e)
{
	json_error_t je;
	json_t *j = json_loadb((const char *)m->data, m->size, 0, &je);
	const char *id = NULL, *sum = NULL;
	json_int_t h = 0, w = 0;
	int rc = -1;

	if (j == NULL)
		return err_set(e, "%s: bad JSON: %s", m->name, je.text);
	if (json_unpack(j, "{s:s, s:I, s:I, s:s}", "id", &id, "height", &h,
	    "width", &w, "fnv1a64", &sum) != 0)
		err_set(e, "%s: JSON lacks id, height, width or fnv1a64", m->name);
	else if (strcmp(id, s->key) != 0)
		err_set(e, "%s: id '%s' differs from the key", m->name, id);
	else if (h < 1 || w < 1 || h > INT32_MAX || w > INT32_MAX)
		err_set(e, "%s: bad height or width", m->name);
	else if (strlen(sum) != 16 || strspn(sum, "0123456789abcdef") != 16)
		err_set(e, "%s: bad fnv1a64 '%s'", m->name, sum);
	else {
		s->checksum = strtoull(sum, NULL, 16);
		s->height = (int)h;
		s->width = (int)w;
		rc = 0;
	}
	json_decref(j);
	return rc;
}

/* One sample: three members with one key. Returns 1, 0 at the end, -1. */
static int
index_one(const uint8_t *buf, uint64_t len, uint64_t *off, ShardEntry *s,
    int *size, Err *e)
{
	TarMember m;
	const char *dot;
	int r, s1, s2;

	if ((r = tar_next(buf, len, off, &m, e)) <= 0)
		return r;
	dot = strrchr(m.name, '.');
	if (dot == NULL || strcmp(dot, ".ppm") != 0 ||
	    (size_t)(dot - m.name) > SHARD_KEY_MAX)
		return err_set(e, "%s: expected KEY.ppm", m.name);
	memcpy(s->key, m.name, (size_t)(dot - m.name));
	s->key[dot - m.name] = '\0';
	if ((s->rgb = netpbm_pixels(&m, '6', 3, &s1)) == NULL)
		return err_set(e, "%s: not a P6 S x S image", m.name);
	s->ppm = m.data;
	s->ppm_len = m.size;
	if ((r = tar_next(buf, len, off, &m, e)) <= 0)
		return r < 0 ? -1 : err_set(e, "%s: missing .pgm", s->key);
	if (!member_is(&m, s->key, ".pgm") ||
	    (s->labels = netpbm_pixels(&m, '5', 1, &s2)) == NULL || s2 != s1)
		return err_set(e, "%s: expected %s.pgm of %dx%d", m.name, s->key,
		    s1, s1);
	s->pgm = m.data;
	s->pgm_len = m.size;
	if ((r = tar_next(buf, len, off, &m, e)) <= 0)
		return r < 0 ? -1 : err_set(e, "%s: missing .json", s->key);
	if (!member_is(&m, s->key, ".json"))
		return err_set(e, "%s: expected %s.json", m.name, s->key);
	if (parse_meta(&m, s, e) < 0)
		return -1;
	if (*size != 0 && *size != s1)
		return err_set(e, "%s: size %d differs from %d before", s->key,
		    s1, *size);
	*size = s1;
	return 1;
}

int
shard_index(const char *name, const uint8_t *buf, uint64_t len,
    ShardEntry **entries, size_t *n, int *size, Err *e)
{
	size_t cap = 64;
	uint64_t off = 0;
	int r;

	*n = 0;
	*size = 0;
	*entries = xmallocarray(cap, sizeof **entries);
	for (;;) {
		if (*n == cap)
			*entries = xreallocarray(*entries, cap *= 2,
			    sizeof **entries);
		r = index_one(buf, len, &off, &(*entries)[*n], size, e);
		if (r == 0)
			return 0;
		if (r < 0)
			break;
		(*n)++;
	}
	err_prefix(e, "%s: sample %zu", name, *n);
	free(*entries);
	*entries = NULL;
	*n = 0;
	return -1;
}

int
shard_entry_verify(const ShardEntry *s, Err *e)
{
	uint64_t h = shard_checksum(s->ppm, s->ppm_len, s->pgm, s->pgm_len);

	if (h != s->checksum)
		return err_set(e, "%s: checksum mismatch (fnv1a64 %016" PRIx64
		    ", json says %016" PRIx64 ")", s->key, h, s->checksum);
	return 0;
}
