/* hash — FNV-1a 64. See hash.h. */
#include "hash.h"

uint64_t
hash_fnv1a_more(uint64_t h, const void *data, uint64_t len)
{
	const unsigned char *p = data;

	for (uint64_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t
hash_fnv1a(const void *data, uint64_t len)
{
	return hash_fnv1a_more(HASH_FNV1A_INIT, data, len);
}
