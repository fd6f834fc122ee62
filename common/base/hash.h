/* hash — FNV-1a 64: the hash behind --shard i/n, the train/validation
 * split, string maps and shard checksums, documented so other tools can
 * reproduce it; and CRC-32C, the checksum of TensorBoard's record
 * framing (tboard.h). */
#ifndef IMATSEG_HASH_H
#define IMATSEG_HASH_H

#include <stdint.h>

#define HASH_FNV1A_INIT 0xcbf29ce484222325ULL

/* FNV-1a 64 of a byte string. */
uint64_t hash_fnv1a(const void *data, uint64_t len);
/* Continues hash h over more bytes: hash_fnv1a(ab) =
 * hash_fnv1a_more(hash_fnv1a(a), b). */
uint64_t hash_fnv1a_more(uint64_t h, const void *data, uint64_t len);

/* CRC-32C (Castagnoli: reflected polynomial 0x82f63b78, initial and
 * final value all ones), as iSCSI, ext4 and TFRecord files compute it. */
uint32_t hash_crc32c(const void *data, uint64_t len);
/* Continues a finished CRC over more bytes: hash_crc32c(ab) =
 * hash_crc32c_more(hash_crc32c(a), b), and hash_crc32c_more(0, a) =
 * hash_crc32c(a). */
uint32_t hash_crc32c_more(uint32_t crc, const void *data, uint64_t len);

#endif
