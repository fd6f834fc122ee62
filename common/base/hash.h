/* hash — FNV-1a 64: the hash behind --shard i/n, the train/validation
 * split, string maps and shard checksums, documented so other tools can
 * reproduce it. */
#ifndef IMATSEG_HASH_H
#define IMATSEG_HASH_H

#include <stdint.h>

#define HASH_FNV1A_INIT 0xcbf29ce484222325ULL

/* FNV-1a 64 of a byte string. */
uint64_t hash_fnv1a(const void *data, uint64_t len);
/* Continues hash h over more bytes: hash_fnv1a(ab) =
 * hash_fnv1a_more(hash_fnv1a(a), b). */
uint64_t hash_fnv1a_more(uint64_t h, const void *data, uint64_t len);

#endif
