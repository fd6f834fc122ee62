/* shard — training samples and the tar shards that hold them
 * (imatseg-shard(5)). Writing: a Sample owns its encoded members (free with
 * sample_free) and shard_write_sample appends it to an open shard.
 * Reading: shard_index walks a shard already in memory (mmap) and returns
 * an array of ShardEntry (caller frees) whose pointers borrow that memory. */
#ifndef IMATSEG_SHARD_H
#define IMATSEG_SHARD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

#define SHARD_KEY_MAX 94	/* "KEY.json" and its NUL fit a tar name */
#define SHARD_MAX_LABEL 46	/* labels 0..46, and 255 = ignore */
#define SHARD_IGNORE 255

typedef struct {
	char key[SHARD_KEY_MAX + 1];
	int height, width;	/* of the original photo */
	int size;		/* S: members are S x S */
	int letterbox;
	uint8_t *ppm;		/* whole P6 member, header included */
	size_t ppm_len;
	uint8_t *pgm;		/* whole P5 member */
	size_t pgm_len;
	char json[256];
} Sample;

typedef struct {
	int size;		/* S */
	int letterbox;
	uint64_t max_pixels;	/* photo and mask headers larger are refused */
} SampleSpec;

/* The key of an image path: its file name without the extension. Refused
 * unless 1..94 characters of A-Z a-z 0-9 _ -. */
int shard_key(const char *path, char *key, Err *e);

/* Reads, checks and resizes one photo and its label mask into s. */
int sample_make(const char *image, const char *mask, const SampleSpec *sp,
    Sample *s, Err *e);
void sample_free(Sample *s);
/* For samples made otherwise (tests, other tools): allocates the members
 * of an S x S sample with that key (NULL: keep s->key) and points *rgb and
 * *lab at their pixels; sample_seal writes the json once the pixels,
 * height, width and letterbox are set. */
void sample_init(Sample *s, const char *key, int size, uint8_t **rgb,
    uint8_t **lab);
void sample_seal(Sample *s);

/* FNV-1a 64 of the ppm member bytes followed by the pgm member bytes. */
uint64_t shard_checksum(const uint8_t *ppm, size_t ppm_len,
    const uint8_t *pgm, size_t pgm_len);

/* Appends the sample's three members to fp. */
int shard_write_sample(FILE *fp, const Sample *s, Err *e);

typedef struct {
	char key[SHARD_KEY_MAX + 1];
	const uint8_t *ppm, *pgm;	/* whole members, borrowed */
	uint64_t ppm_len, pgm_len;
	const uint8_t *rgb, *labels;	/* pixels inside them, S x S */
	uint64_t checksum;		/* from the json member */
	int height, width;		/* of the original photo */
} ShardEntry;

/* Indexes the shard buf[0..len) named name: checks every header, member
 * order, the json and the pixel sizes, not the checksums. All samples must
 * be S x S with the same S, returned in *size (0 for an empty shard).
 * Messages name the shard and the sample (key and number from 0). */
int shard_index(const char *name, const uint8_t *buf, uint64_t len,
    ShardEntry **entries, size_t *n, int *size, Err *e);

/* Recomputes a sample's checksum and compares it with its json. */
int shard_entry_verify(const ShardEntry *s, Err *e);

#endif
