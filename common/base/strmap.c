#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "xalloc.h"

typedef struct {
	char *key;
	size_t len;
	uint64_t hash, value;
} Entry;

struct StrMap {
	Entry *entries;		/* insertion order */
	size_t n, cap;
	uint32_t *slots;	/* open addressing: entry index + 1, 0 = empty */
	size_t nslots;		/* power of two */
};

StrMap *
strmap_new(void)
{
	StrMap *m = xcalloc(1, sizeof *m);

	m->nslots = 64;
	m->slots = xcalloc(m->nslots, sizeof *m->slots);
	return m;
}

void
strmap_free(StrMap *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->entries[i].key);
	free(m->entries);
	free(m->slots);
	free(m);
}

static size_t
find_slot(const StrMap *m, const char *key, size_t len, uint64_t h)
{
	size_t mask = m->nslots - 1, i = h & mask;

	for (;; i = (i + 1) & mask) {
		uint32_t s = m->slots[i];
		const Entry *e;

		if (s == 0)
			return i;
		e = &m->entries[s - 1];
		if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0)
			return i;
	}
}

static void
grow(StrMap *m)
{
	free(m->slots);
	m->nslots *= 2;
	m->slots = xcalloc(m->nslots, sizeof *m->slots);
	for (size_t i = 0; i < m->n; i++) {
		const Entry *e = &m->entries[i];

		m->slots[find_slot(m, e->key, e->len, e->hash)] = (uint32_t)(i + 1);
	}
}

uint64_t *
strmap_put(StrMap *m, const char *key, size_t len, int *added)
{
	uint64_t h = hash_fnv1a(key, len);
	size_t i = find_slot(m, key, len, h);
	Entry *e;

	if (added)
		*added = m->slots[i] == 0;
	if (m->slots[i] != 0)
		return &m->entries[m->slots[i] - 1].value;
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->entries = xreallocarray(m->entries, m->cap, sizeof *m->entries);
	}
	e = &m->entries[m->n];
	e->key = xstrndup(key, len);
	e->len = len;
	e->hash = h;
	e->value = 0;
	m->slots[i] = (uint32_t)(++m->n);
	if (m->n * 2 > m->nslots) {
		grow(m);
		return &m->entries[m->n - 1].value;
	}
	return &e->value;
}

uint64_t *
strmap_get(const StrMap *m, const char *key, size_t len)
{
	size_t i = find_slot(m, key, len, hash_fnv1a(key, len));

	return m->slots[i] ? &m->entries[m->slots[i] - 1].value : NULL;
}

size_t
strmap_count(const StrMap *m)
{
	return m->n;
}

void
strmap_each(const StrMap *m,
    void (*fn)(const char *key, uint64_t *value, void *arg), void *arg)
{
	for (size_t i = 0; i < m->n; i++)
		fn(m->entries[i].key, &m->entries[i].value, arg);
}
