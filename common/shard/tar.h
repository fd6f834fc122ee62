/* tar — the ustar subset shards use (imatseg-shard(5)): regular files
 * only, fixed owner and times, so a shard's bytes depend only on its
 * members. The writer appends to a FILE *; the reader walks headers of an
 * archive already in memory (mmap) and returns pointers into it. */
#ifndef IMATSEG_TAR_H
#define IMATSEG_TAR_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"

#define TAR_BLOCK 512
#define TAR_NAME_MAX 100	/* name field, no prefix used */

/* Writes one member: header, data, zero padding. Names longer than 99
 * bytes are refused. */
int tar_write_member(FILE *fp, const char *name, const void *data,
    uint64_t size, Err *e);
/* Writes the two zero blocks that end an archive. */
int tar_write_end(FILE *fp, Err *e);

typedef struct {
	char name[TAR_NAME_MAX + 1];
	const uint8_t *data;	/* borrowed: points into the archive */
	uint64_t size;
	uint64_t offset;	/* of the header in the archive */
} TarMember;

/* Reads the member whose header starts at *off (a multiple of 512) and
 * advances *off past its padded data. Returns 1 with *m filled, 0 at the
 * end-of-archive marker, -1 on a bad header, a non-regular member, data
 * that runs past len or non-zero padding. */
int tar_next(const uint8_t *buf, uint64_t len, uint64_t *off, TarMember *m,
    Err *e);

#endif
