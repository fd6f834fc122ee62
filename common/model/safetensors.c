#include "safetensors.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "xalloc.h"

/* A header larger than this is a lie, not a U-Net. */
#define MAX_HEADER (100L << 20)

struct StFile {
	unsigned char *buf;	/* the whole file */
	size_t len, data;	/* bytes; start of the data section */
	StEntry *t;
	int nt;
	json_t *meta;
};

static int
little_endian(void)
{
	uint16_t one = 1;

	return *(unsigned char *)&one == 1;
}

static size_t
dtype_size(const char *d)
{
	return strcmp(d, "F32") == 0 ? 4 : strcmp(d, "I64") == 0 ? 8 : 0;
}

/* Elements times element size, or SIZE_MAX on overflow. */
static size_t
tensor_bytes(const int64_t *shape, int ndim, size_t esize)
{
	size_t n = esize;

	for (int i = 0; i < ndim; i++) {
		if (shape[i] < 0 || (shape[i] > 0 &&
		    n > SIZE_MAX / (size_t)shape[i]))
			return SIZE_MAX;
		n *= (size_t)shape[i];
	}
	return n;
}

static char *
header_json(const StTensor *t, int nt, const StMeta *m, int nm,
    size_t *nbytes)
{
	json_t *root = json_object(), *meta = json_object();
	size_t off = 0;
	char *s;

	for (int i = 0; i < nm; i++)
		json_object_set_new(meta, m[i].key, json_string(m[i].value));
	json_object_set_new(root, "__metadata__", meta);
	for (int i = 0; i < nt; i++) {
		json_t *o = json_object(), *sh = json_array();
		size_t n = tensor_bytes(t[i].shape, t[i].ndim,
		    dtype_size(t[i].dtype));

		for (int k = 0; k < t[i].ndim; k++)
			json_array_append_new(sh, json_integer(t[i].shape[k]));
		json_object_set_new(o, "dtype", json_string(t[i].dtype));
		json_object_set_new(o, "shape", sh);
		json_object_set_new(o, "data_offsets", json_pack("[II]",
		    (json_int_t)off, (json_int_t)(off + n)));
		json_object_set_new(root, t[i].name, o);
		off += n;
	}
	s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	*nbytes = off;
	return s;
}

int
st_write(const char *path, const StTensor *t, int nt, const StMeta *m,
    int nm, Err *e)
{
	unsigned char len8[8];
	size_t data, hlen;
	char *json;
	Atomic *a;
	FILE *fp;

	if (!little_endian())
		return err_set(e, "%s: safetensors writing needs a "
		    "little-endian host", path);
	json = header_json(t, nt, m, nm, &data);
	if (json == NULL)
		return err_set(e, "%s: cannot format the header", path);
	hlen = (strlen(json) + 7) & ~(size_t)7;
	for (int i = 0; i < 8; i++)
		len8[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
	if ((a = atomic_open(path, e)) == NULL) {
		free(json);
		return -1;
	}
	fp = atomic_file(a);
	fwrite(len8, 1, 8, fp);
	fputs(json, fp);
	for (size_t i = strlen(json); i < hlen; i++)
		putc(' ', fp);
	free(json);
	for (int i = 0; i < nt; i++)
		fwrite(t[i].data, 1, tensor_bytes(t[i].shape, t[i].ndim,
		    dtype_size(t[i].dtype)), fp);
	return atomic_commit(a, e);
}

static int
read_all(const char *path, StFile *f, Err *e)
{
	FILE *fp = fopen(path, "rb");
	size_t cap = 1 << 16, n;

	if (fp == NULL)
		return err_sys(e, "%s", path);
	f->buf = xmalloc(cap);
	f->len = 0;
	while ((n = fread(f->buf + f->len, 1, cap - f->len, fp)) > 0) {
		f->len += n;
		if (f->len == cap) {
			cap *= 2;
			f->buf = xreallocarray(f->buf, cap, 1);
		}
	}
	if (ferror(fp)) {
		fclose(fp);
		return err_sys(e, "%s", path);
	}
	fclose(fp);
	return 0;
}

static int
parse_entry(StFile *f, const char *name, json_t *o, StEntry *t, Err *e)
{
	json_t *dt = json_object_get(o, "dtype");
	json_t *sh = json_object_get(o, "shape");
	json_t *off = json_object_get(o, "data_offsets");
	size_t n;

	if (!json_is_object(o) || !json_is_string(dt) || !json_is_array(sh) ||
	    !json_is_array(off) || json_array_size(off) != 2)
		return err_set(e, "tensor %s: needs dtype, shape and two "
		    "data_offsets", name);
	if (dtype_size(json_string_value(dt)) == 0)
		return err_set(e, "tensor %s: dtype %s is not F32 or I64",
		    name, json_string_value(dt));
	if (json_array_size(sh) > ST_MAX_DIMS)
		return err_set(e, "tensor %s: more than %d dimensions", name,
		    ST_MAX_DIMS);
	t->name = xstrdup(name);
	memcpy(t->dtype, json_string_value(dt), 4);
	t->ndim = (int)json_array_size(sh);
	for (int i = 0; i < t->ndim; i++) {
		json_t *d = json_array_get(sh, i);

		if (!json_is_integer(d) || json_integer_value(d) < 0)
			return err_set(e, "tensor %s: shape entry %d is not a "
			    "size", name, i);
		t->shape[i] = json_integer_value(d);
	}
	json_t *b = json_array_get(off, 0), *z = json_array_get(off, 1);
	if (!json_is_integer(b) || !json_is_integer(z) ||
	    json_integer_value(b) < 0 ||
	    json_integer_value(z) < json_integer_value(b))
		return err_set(e, "tensor %s: bad data_offsets", name);
	t->off = (size_t)json_integer_value(b);
	t->nbytes = (size_t)json_integer_value(z) - t->off;
	if ((uint64_t)json_integer_value(z) > f->len - f->data)
		return err_set(e, "tensor %s: data_offsets end at %lld, past "
		    "the %zu bytes of data", name,
		    (long long)json_integer_value(z), f->len - f->data);
	n = tensor_bytes(t->shape, t->ndim, dtype_size(t->dtype));
	if (n != t->nbytes)
		return err_set(e, "tensor %s: %zu bytes between its offsets, "
		    "its shape needs %zu", name, t->nbytes, n);
	return 0;
}

static int
cmp_off(const void *a, const void *b)
{
	const StEntry *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* The spec: the data section is indexed entirely, without holes or
 * overlaps. */
static int
check_contiguous(StFile *f, Err *e)
{
	StEntry *s = xmallocarray(f->nt ? f->nt : 1, sizeof *s);
	size_t at = 0;
	int rc = 0;

	memcpy(s, f->t, f->nt * sizeof *s);
	qsort(s, f->nt, sizeof *s, cmp_off);
	for (int i = 0; i < f->nt && rc == 0; i++) {
		if (s[i].off != at)
			rc = err_set(e, "tensor %s: starts at byte %zu of the "
			    "data, expected %zu (a hole or an overlap)",
			    s[i].name, s[i].off, at);
		at = s[i].off + s[i].nbytes;
	}
	if (rc == 0 && at != f->len - f->data)
		rc = err_set(e, "%zu bytes of data, the tensors cover %zu",
		    f->len - f->data, at);
	free(s);
	return rc;
}

static int
parse_meta(StFile *f, json_t *m, Err *e)
{
	const char *k;
	json_t *v;

	if (!json_is_object(m))
		return err_set(e, "__metadata__ is not an object");
	json_object_foreach(m, k, v)
		if (!json_is_string(v))
			return err_set(e, "__metadata__ %s is not a string", k);
	f->meta = json_incref(m);
	return 0;
}

static int
parse_header(StFile *f, Err *e)
{
	uint64_t hlen = 0;
	json_error_t je;
	json_t *root;
	const char *k;
	json_t *v;
	int rc = 0;

	if (f->len < 8)
		return err_set(e, "%zu bytes: shorter than the header length",
		    f->len);
	for (int i = 0; i < 8; i++)
		hlen |= (uint64_t)f->buf[i] << (8 * i);
	if (hlen > MAX_HEADER || hlen > f->len - 8)
		return err_set(e, "header length %llu does not fit in the "
		    "file of %zu bytes", (unsigned long long)hlen, f->len);
	if (hlen < 2 || f->buf[8] != '{')
		return err_set(e, "the header is not a JSON object");
	f->data = 8 + (size_t)hlen;
	root = json_loadb((const char *)f->buf + 8, (size_t)hlen,
	    JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return err_set(e, "header JSON, column %d: %s", je.column,
		    je.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return err_set(e, "the header is not a JSON object");
	}
	f->t = xcalloc(json_object_size(root) + 1, sizeof *f->t);
	json_object_foreach(root, k, v) {
		if (strcmp(k, "__metadata__") == 0)
			rc = parse_meta(f, v, e);
		else
			rc = parse_entry(f, k, v, &f->t[f->nt++], e);
		if (rc < 0)
			break;
	}
	json_decref(root);
	return rc < 0 ? -1 : check_contiguous(f, e);
}

StFile *
st_read(const char *path, Err *e)
{
	StFile *f = xcalloc(1, sizeof *f);

	if (!little_endian()) {
		err_set(e, "%s: safetensors reading needs a little-endian host",
		    path);
		st_free(f);
		return NULL;
	}
	if (read_all(path, f, e) < 0 || parse_header(f, e) < 0) {
		if (e != NULL && strncmp(e->msg, path, strlen(path)) != 0)
			err_prefix(e, "%s", path);
		st_free(f);
		return NULL;
	}
	return f;
}

void
st_free(StFile *f)
{
	if (f == NULL)
		return;
	for (int i = 0; i < f->nt; i++)
		free(f->t[i].name);
	free(f->t);
	json_decref(f->meta);
	free(f->buf);
	free(f);
}

int
st_count(const StFile *f)
{
	return f->nt;
}

const StEntry *
st_entry(const StFile *f, int i)
{
	return &f->t[i];
}

const StEntry *
st_find(const StFile *f, const char *name)
{
	for (int i = 0; i < f->nt; i++)
		if (strcmp(f->t[i].name, name) == 0)
			return &f->t[i];
	return NULL;
}

const void *
st_data(const StFile *f, const StEntry *t)
{
	return f->buf + f->data + t->off;
}

const char *
st_meta(const StFile *f, const char *key)
{
	json_t *v = f->meta != NULL ? json_object_get(f->meta, key) : NULL;

	return v != NULL ? json_string_value(v) : NULL;
}
