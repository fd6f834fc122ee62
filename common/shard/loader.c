#include "loader.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pmap.h"
#include "rng.h"
#include "shard.h"
#include "xalloc.h"

typedef struct {
	char *path;
	const uint8_t *map;
	uint64_t len;
} Mapped;

/* One prefetched batch: a slot of the ordered map. */
typedef struct {
	uint64_t epoch, k;	/* this rank's slice of global batch k */
	float *x;
	uint8_t *y;
	uint32_t *index;
	int n, all;
	uint64_t pos;
	int failed;
	Err e;
} Slot;

struct Loader {
	LoaderOptions o;
	Mapped *shards;
	int nshards;
	ShardEntry *ent;	/* all samples, in shard order */
	uint32_t *shard_of, *local;	/* per sample: shard and number in it */
	atomic_uchar *verified;
	uint64_t total, global;	/* samples; samples of a global batch */
	int size;

	/* The epoch being served: global batches [0, nbatches) from
	 * sample position start; batches below `queued` have been handed to
	 * the map, those below `given` to the caller. */
	uint64_t epoch, start, nbatches, queued, given;
	uint32_t *order;	/* [total] */
	Pmap *pm;		/* prefetch: depth - 1 batches ahead of the */
	int depth;		/* one the caller holds */
};

static int
map_shard(Mapped *m, const char *path, Err *e)
{
	struct stat st;
	int fd = open(path, O_RDONLY);
	void *p;

	m->path = xstrdup(path);
	if (fd < 0)
		return err_sys(e, "%s", path);
	if (fstat(fd, &st) < 0) {
		close(fd);
		return err_sys(e, "%s", path);
	}
	if (st.st_size < 1024) {
		close(fd);
		return err_set(e, "%s: truncated (%lld bytes, not a shard)", path,
		    (long long)st.st_size);
	}
	m->len = (uint64_t)st.st_size;
	p = mmap(NULL, (size_t)m->len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return err_sys(e, "%s: mmap", path);
	m->map = p;
	return 0;
}

/* Maps and indexes every shard into L->ent. */
static int
index_all(Loader *L, const char *const *paths, int npaths, Err *e)
{
	uint64_t cap = 0;

	L->shards = xcalloc((size_t)npaths, sizeof *L->shards);
	L->nshards = npaths;
	for (int s = 0; s < npaths; s++) {
		ShardEntry *ent;
		size_t n;
		int size;

		if (map_shard(&L->shards[s], paths[s], e) < 0 ||
		    shard_index(paths[s], L->shards[s].map, L->shards[s].len,
		    &ent, &n, &size, e) < 0)
			return -1;
		if (n > 0 && L->size != 0 && size != L->size) {
			free(ent);
			return err_set(e, "%s: samples are %dx%d, earlier shards "
			    "%dx%d", paths[s], size, size, L->size, L->size);
		}
		if (n > 0)
			L->size = size;
		if (L->total + n > UINT32_MAX) {
			free(ent);
			return err_set(e, "%s: too many samples", paths[s]);
		}
		if (L->total + n > cap) {
			cap = 2 * (L->total + n);
			L->ent = xreallocarray(L->ent, cap, sizeof *L->ent);
			L->shard_of = xreallocarray(L->shard_of, cap, sizeof(uint32_t));
			L->local = xreallocarray(L->local, cap, sizeof(uint32_t));
		}
		for (size_t i = 0; i < n; i++) {
			L->ent[L->total] = ent[i];
			L->shard_of[L->total] = (uint32_t)s;
			L->local[L->total++] = (uint32_t)i;
		}
		free(ent);
	}
	return 0;
}

void
loader_describe(const Loader *L, uint32_t i, char *buf, size_t len)
{
	snprintf(buf, len, "%s: sample %u (%s)",
	    L->shards[L->shard_of[i]].path, L->local[i], L->ent[i].key);
}

static int
verify_sample(Loader *L, uint32_t i, Err *e)
{
	char where[1024];

	if (atomic_load_explicit(&L->verified[i], memory_order_acquire))
		return 0;
	if (shard_entry_verify(&L->ent[i], e) < 0) {
		loader_describe(L, i, where, sizeof where);
		return err_set(e, "%s: checksum mismatch: corrupt shard", where);
	}
	atomic_store_explicit(&L->verified[i], 1, memory_order_release);
	return 0;
}

void
loader_epoch_order(const Loader *L, uint64_t epoch, uint32_t *out)
{
	uint32_t *perm = xmallocarray(L->total, sizeof *perm);
	Rng r;

	for (uint64_t i = 0; i < L->total; i++)
		perm[i] = (uint32_t)i;
	/* b = 2^63 is no sample number: a stream of its own. */
	rng_derive(&r, L->o.seed, epoch, 1ULL << 63);
	rng_shuffle_u32(&r, perm, L->total);
	memcpy(out, perm, L->total * sizeof *out);
	free(perm);
}

/* This rank's slice of the global batch at position pos: m samples
 * split into nranks slices, the first m mod nranks one larger. */
static void
slice(const Loader *L, uint64_t pos, Slot *sl)
{
	uint64_t m = L->total - pos < L->global ? L->total - pos : L->global;
	uint64_t q = m / (uint64_t)L->o.nranks, rem = m % (uint64_t)L->o.nranks;
	uint64_t r = (uint64_t)L->o.rank;

	sl->all = (int)m;
	sl->n = (int)(q + (r < rem));
	sl->pos = pos + r * q + (r < rem ? r : rem);
}

/* Decodes batch sl->k of epoch sl->epoch into sl. */
static void
fill_batch(uint64_t item, void *slot, void *arg)
{
	Loader *L = arg;
	Slot *sl = slot;
	uint64_t epoch = sl->epoch;
	size_t plane = (size_t)L->size * L->size;
	Rng r;

	(void)item;
	slice(L, L->start + sl->k * L->global, sl);
	sl->failed = 0;
	for (int j = 0; j < sl->n; j++) {
		uint32_t i = L->order[sl->pos + j];

		sl->index[j] = i;
		if (verify_sample(L, i, &sl->e) < 0) {
			sl->failed = 1;
			return;
		}
		rng_derive(&r, L->o.seed, epoch, i);
		augment_sample(L->ent[i].rgb, L->ent[i].labels, L->size,
		    &L->o.aug, &r, sl->x + (size_t)j * 3 * plane,
		    sl->y + (size_t)j * plane);
	}
}

/* The prefetching map: `depth` slots, each with its own buffers, one
 * for the batch the caller holds and the rest for those ahead of it. */
static int
start_prefetch(Loader *L, Err *e)
{
	size_t plane = (size_t)L->size * L->size, b = (size_t)L->o.batch;

	L->depth = L->o.threads == 0 ? 1 :
	    L->o.prefetch > 0 ? L->o.prefetch : L->o.threads + 1;
	if ((L->pm = pmap_new(L->o.threads, (size_t)L->depth, sizeof(Slot),
	    fill_batch, L, e)) == NULL)
		return err_prefix(e, "loader");
	for (int d = 0; d < L->depth; d++) {
		Slot *sl = pmap_slot_at(L->pm, (size_t)d);

		sl->x = xaligned(b * 3 * plane * sizeof(float));
		sl->y = xaligned(b * plane);
		sl->index = xmallocarray(b, sizeof(uint32_t));
	}
	return 0;
}

static int
check_options(const LoaderOptions *o, int npaths, Err *e)
{
	if (npaths < 1)
		return err_set(e, "no shards");
	if (o->batch < 1 || o->nranks < 1 || o->nranks > 1 << 20 || o->rank < 0 ||
	    o->rank >= o->nranks || o->threads < 0 || o->threads > 1024 ||
	    o->prefetch < 0 || o->prefetch > 1024)
		return err_set(e, "bad loader options");
	return 0;
}

Loader *
loader_open(const char *const *paths, int npaths, const LoaderOptions *o,
    Err *e)
{
	Loader *L;

	if (check_options(o, npaths, e) < 0)
		return NULL;
	L = xcalloc(1, sizeof *L);
	L->o = *o;
	if (index_all(L, paths, npaths, e) < 0)
		goto fail;
	if (L->total == 0) {
		err_set(e, "no samples in the shards");
		goto fail;
	}
	L->global = (uint64_t)o->batch * (uint64_t)o->nranks;
	L->verified = xcalloc(L->total, sizeof *L->verified);
	for (uint64_t i = 0; o->verify && i < L->total; i++)
		if (verify_sample(L, (uint32_t)i, e) < 0)
			goto fail;
	L->order = xmallocarray(L->total, sizeof *L->order);
	if (start_prefetch(L, e) < 0)
		goto fail;
	return L;
fail:
	loader_close(L);
	return NULL;
}

uint64_t
loader_total(const Loader *L)
{
	return L->total;
}

uint64_t
loader_batches(const Loader *L)
{
	return (L->total + L->global - 1) / L->global;
}

int
loader_size(const Loader *L)
{
	return L->size;
}

int
loader_epoch_begin(Loader *L, uint64_t epoch, uint64_t start, Err *e)
{
	if (start > L->total)
		return err_set(e, "start position %llu is past the %llu samples "
		    "of an epoch", (unsigned long long)start,
		    (unsigned long long)L->total);
	/* what is in flight belongs to the epoch before */
	pmap_drain(L->pm);
	loader_epoch_order(L, epoch, L->order);
	L->epoch = epoch;
	L->start = start;
	L->nbatches = (L->total - start + L->global - 1) / L->global;
	L->queued = L->given = 0;
	return 0;
}

int
loader_next(Loader *L, Batch *b, Err *e)
{
	Slot *sl;

	/* keep depth - 1 batches ahead of the one taken now */
	while (L->queued < L->nbatches &&
	    L->queued < L->given + (uint64_t)L->depth &&
	    (sl = pmap_slot(L->pm)) != NULL) {
		sl->epoch = L->epoch;
		sl->k = L->queued++;
		pmap_push(L->pm);
	}
	if ((sl = pmap_take(L->pm, NULL)) == NULL)
		return 0;
	L->given++;
	if (sl->failed) {
		*e = sl->e;
		return -1;
	}
	*b = (Batch){ .n = sl->n, .all = sl->all, .size = L->size, .x = sl->x,
	    .y = sl->y, .index = sl->index, .pos = sl->pos };
	return 1;
}

void
loader_close(Loader *L)
{
	if (L == NULL)
		return;
	if (L->pm != NULL)
		pmap_drain(L->pm);	/* no worker left in the buffers */
	for (int d = 0; L->pm != NULL && d < L->depth; d++) {
		Slot *sl = pmap_slot_at(L->pm, (size_t)d);

		free(sl->x);
		free(sl->y);
		free(sl->index);
	}
	pmap_free(L->pm);
	for (int s = 0; L->shards && s < L->nshards; s++) {
		if (L->shards[s].map != NULL)
			munmap((void *)L->shards[s].map, (size_t)L->shards[s].len);
		free(L->shards[s].path);
	}
	free(L->order);
	free(L->verified);
	free(L->ent);
	free(L->shard_of);
	free(L->local);
	free(L->shards);
	free(L);
}
