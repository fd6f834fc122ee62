/* loader — batches for training from shards (imatseg-shard(5)).
 * Shards are mmap'd and indexed in place; each sample's checksum is
 * verified the first time it is used (or all at open with verify). Each
 * epoch visits every sample once, in an order drawn from (seed, epoch);
 * augmentation of a sample draws from rng_derive(seed, epoch, sample
 * index), so a batch's bytes depend only on the seed, the epoch, the
 * position and the options, never on threads.
 *
 * Split between nranks processes (data-parallel training), the epoch is
 * read in global batches of nranks * batch samples, the very batches one
 * process of that batch size reads; rank r takes the r-th slice of each.
 * A short last global batch is split as evenly as it goes (slices of one
 * more sample first), so a slice may be empty, and no sample is dropped.
 * Batch layout: x float[n][3][S][S] normalised as augment.h says,
 * y uint8_t[n][S][S] with 255 = ignore. A Batch's arrays belong to the
 * loader and stay valid until the next loader_next, loader_epoch_begin or
 * loader_close. */
#ifndef IMATSEG_LOADER_H
#define IMATSEG_LOADER_H

#include <stdint.h>

#include "augment.h"
#include "err.h"

typedef struct {
	int batch;		/* samples per batch (per rank), >= 1 */
	uint64_t seed;
	int rank, nranks;	/* this slice: rank r of n (0 of 1: all) */
	int threads;		/* decoding threads; 0: in loader_next */
	int prefetch;		/* batches ready ahead; 0: threads + 1 */
	int verify;		/* check every checksum in loader_open */
	AugOptions aug;
} LoaderOptions;

typedef struct {
	int n;			/* samples here; the last batch may be short,
				 * a rank's slice of it empty */
	int all;		/* samples of the global batch, every rank's */
	int size;		/* S */
	float *x;
	uint8_t *y;
	const uint32_t *index;	/* [n] sample numbers across all shards */
	uint64_t pos;		/* first sample's position in the epoch */
} Batch;

typedef struct Loader Loader;

/* Opens and indexes the shards (in this order: it defines the sample
 * numbers). Refuses a truncated or corrupt shard naming it and the
 * sample. */
Loader *loader_open(const char *const *paths, int npaths,
    const LoaderOptions *o, Err *e);
void loader_close(Loader *L);

uint64_t loader_total(const Loader *L);		/* samples in all shards */
uint64_t loader_batches(const Loader *L);	/* global, per epoch */
int loader_size(const Loader *L);		/* S */
/* "shard: sample k (KEY)" for messages about sample number i. */
void loader_describe(const Loader *L, uint32_t i, char *buf, size_t len);

/* The sample order of an epoch: out[total] sample numbers. */
void loader_epoch_order(const Loader *L, uint64_t epoch, uint32_t *out);

/* Starts an epoch at sample position start (0 .. loader_total, counted
 * over all ranks; a multiple of the global batch resumes exactly where a
 * run stopped). */
int loader_epoch_begin(Loader *L, uint64_t epoch, uint64_t start, Err *e);
/* 1: *b filled (maybe with an empty slice); 0: the epoch is over; -1: a
 * sample failed its checksum. */
int loader_next(Loader *L, Batch *b, Err *e);

#endif
