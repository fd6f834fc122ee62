#include "tar.h"

#include <string.h>

/* Field offsets of a ustar header. */
enum {
	T_NAME = 0, T_MODE = 100, T_UID = 108, T_GID = 116, T_SIZE = 124,
	T_MTIME = 136, T_CHKSUM = 148, T_TYPE = 156, T_MAGIC = 257,
	T_VERSION = 263, T_PREFIX = 345
};

static void
octal(char *field, int width, uint64_t v)
{
	/* width-1 digits and a NUL, zero filled, as POSIX asks. */
	field[width - 1] = '\0';
	for (int i = width - 2; i >= 0; i--) {
		field[i] = (char)('0' + (v & 7));
		v >>= 3;
	}
}

static unsigned
header_sum(const uint8_t *h)
{
	unsigned sum = 0;

	for (int i = 0; i < TAR_BLOCK; i++)
		sum += (i >= T_CHKSUM && i < T_CHKSUM + 8) ? ' ' : h[i];
	return sum;
}

int
tar_write_member(FILE *fp, const char *name, const void *data,
    uint64_t size, Err *e)
{
	static const uint8_t zero[TAR_BLOCK];
	char h[TAR_BLOCK];
	size_t n = strlen(name);
	uint64_t pad;

	if (n == 0 || n >= TAR_NAME_MAX)
		return err_set(e, "%s: tar member name too long", name);
	if (size >= (1ULL << 33))
		return err_set(e, "%s: tar member too large", name);
	memset(h, 0, sizeof h);
	memcpy(h + T_NAME, name, n);
	octal(h + T_MODE, 8, 0644);
	octal(h + T_UID, 8, 0);
	octal(h + T_GID, 8, 0);
	octal(h + T_SIZE, 12, size);
	octal(h + T_MTIME, 12, 0);
	h[T_TYPE] = '0';
	memcpy(h + T_MAGIC, "ustar", 6);
	memcpy(h + T_VERSION, "00", 2);
	octal(h + T_CHKSUM, 7, header_sum((uint8_t *)h));
	h[T_CHKSUM + 7] = ' ';
	pad = (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK;
	if (fwrite(h, 1, sizeof h, fp) != sizeof h ||
	    (size > 0 && fwrite(data, 1, size, fp) != size) ||
	    (pad > 0 && fwrite(zero, 1, pad, fp) != pad))
		return err_sys(e, "write");
	return 0;
}

int
tar_write_end(FILE *fp, Err *e)
{
	static const uint8_t zero[2 * TAR_BLOCK];

	if (fwrite(zero, 1, sizeof zero, fp) != sizeof zero)
		return err_sys(e, "write");
	return 0;
}

/* An octal field: optional leading spaces, digits, then NUL or space. */
static int
parse_octal(const uint8_t *f, int width, uint64_t *v)
{
	int i = 0;

	*v = 0;
	while (i < width && f[i] == ' ')
		i++;
	if (i == width || f[i] < '0' || f[i] > '7')
		return -1;
	for (; i < width && f[i] >= '0' && f[i] <= '7'; i++)
		*v = *v << 3 | (uint64_t)(f[i] - '0');
	for (; i < width; i++)
		if (f[i] != '\0' && f[i] != ' ')
			return -1;
	return 0;
}

static int
all_zero(const uint8_t *p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

int
tar_next(const uint8_t *buf, uint64_t len, uint64_t *off, TarMember *m,
    Err *e)
{
	const uint8_t *h;
	uint64_t sum, padded;

	if (*off >= len || len - *off < TAR_BLOCK)
		return err_set(e, "truncated: no end-of-archive marker at "
		    "offset %llu", (unsigned long long)*off);
	h = buf + *off;
	if (all_zero(h, TAR_BLOCK))
		return 0;
	if (parse_octal(h + T_CHKSUM, 8, &sum) < 0 || sum != header_sum(h))
		return err_set(e, "bad tar header checksum at offset %llu",
		    (unsigned long long)*off);
	if (memcmp(h + T_MAGIC, "ustar", 5) != 0)
		return err_set(e, "not a ustar header at offset %llu",
		    (unsigned long long)*off);
	if (h[T_TYPE] != '0' && h[T_TYPE] != '\0')
		return err_set(e, "member at offset %llu is not a regular file",
		    (unsigned long long)*off);
	if (h[T_PREFIX] != '\0' || memchr(h + T_NAME, '\0', TAR_NAME_MAX) == NULL)
		return err_set(e, "member name at offset %llu too long",
		    (unsigned long long)*off);
	if (parse_octal(h + T_SIZE, 12, &m->size) < 0)
		return err_set(e, "bad member size at offset %llu",
		    (unsigned long long)*off);
	memcpy(m->name, h + T_NAME, TAR_NAME_MAX);
	m->name[TAR_NAME_MAX] = '\0';
	m->offset = *off;
	padded = (m->size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
	if (len - *off - TAR_BLOCK < padded)
		return err_set(e, "%s: truncated member", m->name);
	m->data = h + TAR_BLOCK;
	if (!all_zero(m->data + m->size, padded - m->size))
		return err_set(e, "%s: non-zero padding", m->name);
	*off += TAR_BLOCK + padded;
	return 1;
}
