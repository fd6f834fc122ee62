#include "loader.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rng.h"
#include "shard.h"
#include "xalloc.h"

typedef struct {
	char *path;
	const uint8_t *map;
	uint64_t len;
} Mapped;

/* One prefetched batch. */
typedef struct {
	float *x;
	uint8_t *y;
	uint32_t *index;
	int n;
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
	uint64_t total, per_rank;
	int size;

	/* The epoch being served. */
	uint64_t epoch, start, nbatches;
	uint32_t *order;	/* [per_rank] */

	/* Queue: batch k goes to slot k % depth. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	Slot *slot;
	unsigned char *ready;
	int depth;
	uint64_t next_take, next_give, released;
	int holding, busy, quit;
	uint64_t gen;		/* bumped by each epoch start */
	pthread_t *tid;
	int nthreads;
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
	for (uint64_t k = 0; k < L->per_rank; k++)
		out[k] = perm[(uint64_t)L->o.rank + k * (uint64_t)L->o.nranks];
	free(perm);
}

/* Decodes batch k of the current epoch into slot sl. */
static void
fill_batch(Loader *L, uint64_t epoch, uint64_t k, Slot *sl)
{
	uint64_t pos = L->start + k * (uint64_t)L->o.batch;
	size_t plane = (size_t)L->size * L->size;
	Rng r;

	sl->n = (int)(L->per_rank - pos < (uint64_t)L->o.batch ?
	    L->per_rank - pos : (uint64_t)L->o.batch);
	sl->failed = 0;
	for (int j = 0; j < sl->n; j++) {
		uint32_t i = L->order[pos + j];

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

static void *
worker(void *arg)
{
	Loader *L = arg;

	pthread_mutex_lock(&L->mu);
	for (;;) {
		uint64_t k, gen, epoch;

		while (!L->quit && (L->next_take >= L->nbatches ||
		    L->next_take >= L->released + (uint64_t)L->depth))
			pthread_cond_wait(&L->cv, &L->mu);
		if (L->quit)
			break;
		k = L->next_take++;
		gen = L->gen;
		epoch = L->epoch;
		L->busy++;
		pthread_mutex_unlock(&L->mu);
		fill_batch(L, epoch, k, &L->slot[k % (uint64_t)L->depth]);
		pthread_mutex_lock(&L->mu);
		L->busy--;
		if (gen == L->gen)
			L->ready[k % (uint64_t)L->depth] = 1;
		pthread_cond_broadcast(&L->cv);
	}
	pthread_mutex_unlock(&L->mu);
	return NULL;
}

static void
alloc_slots(Loader *L)
{
	size_t plane = (size_t)L->size * L->size, b = (size_t)L->o.batch;

	L->depth = L->o.threads == 0 ? 1 :
	    L->o.prefetch > 0 ? L->o.prefetch : L->o.threads + 1;
	L->slot = xcalloc((size_t)L->depth, sizeof *L->slot);
	L->ready = xcalloc((size_t)L->depth, 1);
	for (int d = 0; d < L->depth; d++) {
		L->slot[d].x = xaligned(b * 3 * plane * sizeof(float));
		L->slot[d].y = xaligned(b * plane);
		L->slot[d].index = xmallocarray(b, sizeof(uint32_t));
	}
}

static int
check_options(const LoaderOptions *o, int npaths, Err *e)
{
	if (npaths < 1)
		return err_set(e, "no shards");
	if (o->batch < 1 || o->nranks < 1 || o->rank < 0 ||
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
	pthread_mutex_init(&L->mu, NULL);
	pthread_cond_init(&L->cv, NULL);
	if (index_all(L, paths, npaths, e) < 0)
		goto fail;
	if (L->total == 0) {
		err_set(e, "no samples in the shards");
		goto fail;
	}
	if (L->total < (uint64_t)o->nranks) {
		err_set(e, "%llu samples are fewer than %d ranks",
		    (unsigned long long)L->total, o->nranks);
		goto fail;
	}
	L->per_rank = L->total / (uint64_t)o->nranks;
	L->verified = xcalloc(L->total, sizeof *L->verified);
	for (uint64_t i = 0; o->verify && i < L->total; i++)
		if (verify_sample(L, (uint32_t)i, e) < 0)
			goto fail;
	L->order = xmallocarray(L->per_rank, sizeof *L->order);
	alloc_slots(L);
	L->tid = xcalloc((size_t)o->threads + 1, sizeof *L->tid);
	for (; L->nthreads < o->threads; L->nthreads++)
		if (pthread_create(&L->tid[L->nthreads], NULL, worker, L) != 0) {
			err_set(e, "cannot start loader threads");
			goto fail;
		}
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
loader_samples(const Loader *L)
{
	return L->per_rank;
}

uint64_t
loader_batches(const Loader *L)
{
	return (L->per_rank + (uint64_t)L->o.batch - 1) / (uint64_t)L->o.batch;
}

int
loader_size(const Loader *L)
{
	return L->size;
}

int
loader_epoch_begin(Loader *L, uint64_t epoch, uint64_t start, Err *e)
{
	if (start > L->per_rank)
		return err_set(e, "start position %llu is past the %llu samples "
		    "of an epoch", (unsigned long long)start,
		    (unsigned long long)L->per_rank);
	pthread_mutex_lock(&L->mu);
	/* Stop handing out work, and wait for what is in flight. */
	L->gen++;
	L->nbatches = 0;
	while (L->busy > 0)
		pthread_cond_wait(&L->cv, &L->mu);
	loader_epoch_order(L, epoch, L->order);
	L->epoch = epoch;
	L->start = start;
	L->nbatches = (L->per_rank - start + (uint64_t)L->o.batch - 1) /
	    (uint64_t)L->o.batch;
	L->next_take = L->next_give = L->released = 0;
	L->holding = 0;
	memset(L->ready, 0, (size_t)L->depth);
	pthread_cond_broadcast(&L->cv);
	pthread_mutex_unlock(&L->mu);
	return 0;
}

int
loader_next(Loader *L, Batch *b, Err *e)
{
	uint64_t k = L->next_give;
	Slot *sl = &L->slot[k % (uint64_t)L->depth];

	pthread_mutex_lock(&L->mu);
	if (L->holding) {	/* the caller is done with the last batch */
		L->ready[(k - 1) % (uint64_t)L->depth] = 0;
		L->released++;
		L->holding = 0;
		pthread_cond_broadcast(&L->cv);
	}
	if (k >= L->nbatches) {
		pthread_mutex_unlock(&L->mu);
		return 0;
	}
	if (L->nthreads == 0) {
		pthread_mutex_unlock(&L->mu);
		fill_batch(L, L->epoch, k, sl);
		pthread_mutex_lock(&L->mu);
	} else {
		while (!L->ready[k % (uint64_t)L->depth])
			pthread_cond_wait(&L->cv, &L->mu);
	}
	L->holding = 1;
	L->next_give++;
	pthread_mutex_unlock(&L->mu);
	if (sl->failed) {
		*e = sl->e;
		return -1;
	}
	*b = (Batch){ .n = sl->n, .size = L->size, .x = sl->x, .y = sl->y,
	    .index = sl->index, .pos = L->start + k * (uint64_t)L->o.batch };
	return 1;
}

void
loader_close(Loader *L)
{
	if (L == NULL)
		return;
	pthread_mutex_lock(&L->mu);
	L->quit = 1;
	pthread_cond_broadcast(&L->cv);
	pthread_mutex_unlock(&L->mu);
	for (int t = 0; t < L->nthreads; t++)
		pthread_join(L->tid[t], NULL);
	for (int d = 0; L->slot && d < L->depth; d++) {
		free(L->slot[d].x);
		free(L->slot[d].y);
		free(L->slot[d].index);
	}
	for (int s = 0; L->shards && s < L->nshards; s++) {
		if (L->shards[s].map != NULL)
			munmap((void *)L->shards[s].map, (size_t)L->shards[s].len);
		free(L->shards[s].path);
	}
	pthread_mutex_destroy(&L->mu);
	pthread_cond_destroy(&L->cv);
	free(L->slot);
	free(L->ready);
	free(L->tid);
	free(L->order);
	free(L->verified);
	free(L->ent);
	free(L->shard_of);
	free(L->local);
	free(L->shards);
	free(L);
}
