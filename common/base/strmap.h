/* strmap — a hash map from strings to 64-bit values, for sets of image
 * ids and per-image bookkeeping. Keys are copied; the map owns them. */
#ifndef IMATSEG_STRMAP_H
#define IMATSEG_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct StrMap StrMap;

StrMap *strmap_new(void);
void strmap_free(StrMap *m);
/* The value slot of key, inserted as 0 when absent (*added says which). */
uint64_t *strmap_put(StrMap *m, const char *key, size_t len, int *added);
/* The value slot of key, or NULL. */
uint64_t *strmap_get(const StrMap *m, const char *key, size_t len);
size_t strmap_count(const StrMap *m);
/* Visits every entry in insertion order. */
void strmap_each(const StrMap *m,
    void (*fn)(const char *key, uint64_t *value, void *arg), void *arg);

#endif
