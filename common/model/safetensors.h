/* safetensors — reading and writing the safetensors format
 * (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length, a JSON header padded with spaces to a multiple of 8,
 * then the tensors' bytes, contiguous, in the header's offsets.
 * Only F32 and I64 tensors, little-endian hosts. st_read validates the
 * whole file before returning; the StFile owns the file's bytes and every
 * entry, and st_free releases them. */
#ifndef IMATSEG_SAFETENSORS_H
#define IMATSEG_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum { ST_MAX_DIMS = 8 };

typedef struct {
	const char *name;
	const char *dtype;	/* "F32" or "I64" */
	int ndim;
	int64_t shape[ST_MAX_DIMS];
	const void *data;	/* prod(shape) elements */
} StTensor;

typedef struct {
	const char *key, *value;
} StMeta;

/* Writes the tensors in the given order, atomically. */
int st_write(const char *path, const StTensor *t, int nt, const StMeta *m,
    int nm, Err *e);

typedef struct {
	char *name;
	char dtype[4];
	int ndim;
	int64_t shape[ST_MAX_DIMS];
	size_t off, nbytes;	/* in the data section */
} StEntry;

typedef struct StFile StFile;

StFile *st_read(const char *path, Err *e);
void st_free(StFile *f);
int st_count(const StFile *f);
const StEntry *st_entry(const StFile *f, int i);
const StEntry *st_find(const StFile *f, const char *name);
const void *st_data(const StFile *f, const StEntry *t);
/* A __metadata__ value, or NULL. */
const char *st_meta(const StFile *f, const char *key);

#endif
