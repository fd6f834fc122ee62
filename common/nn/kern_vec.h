/* kern_vec — the vector type and lane helpers of the kernels: part of
 * kern_body.h, compiled with the VL of the file that includes it. */
typedef float vf __attribute__((vector_size(VL * sizeof(float))));
typedef int vi __attribute__((vector_size(VL * sizeof(int))));

/* Lane patterns of __builtin_shufflevector (GCC 12 and clang) over two
 * vectors, lanes 0..2VL-1: the even and the odd lanes of the pair, and
 * the interleaving of two vectors into their low and high halves. */
#if VL == 16
#define EVEN 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30
#define ODD 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31
#define LO 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23
#define HI 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31
#elif VL == 8
#define EVEN 0, 2, 4, 6, 8, 10, 12, 14
#define ODD 1, 3, 5, 7, 9, 11, 13, 15
#define LO 0, 8, 1, 9, 2, 10, 3, 11
#define HI 4, 12, 5, 13, 6, 14, 7, 15
#elif VL == 1
#define EVEN 0
#define ODD 1
#define LO 0
#define HI 1
#else
#error "VL must be 1, 8 or 16"
#endif

static inline vf
ld(const float *p)
{
	vf v;

	memcpy(&v, p, sizeof v);
	return v;
}

static inline vf
splat(float x)
{
	vf v = { 0 };

	return v + x;
}

static inline void
st(float *p, vf v)
{
	memcpy(p, &v, sizeof v);
}

/* Lanes 2t and 2t+1 of p[0 .. 2VL-1], as two vectors. */
static inline void
split(const float *p, vf *even, vf *odd)
{
	vf a = ld(p), b = ld(p + VL);

	*even = __builtin_shufflevector(a, b, EVEN);
	*odd = __builtin_shufflevector(a, b, ODD);
}

/* a and b interleaved, a0 b0 a1 b1 ..., as two vectors. */
static inline void
zip(vf a, vf b, vf out[2])
{
	out[0] = __builtin_shufflevector(a, b, LO);
	out[1] = __builtin_shufflevector(a, b, HI);
}

/* Lanes 4t + q of p[0 .. 4VL) for q = 0..3, as four vectors. */
static inline void
split4(const float *p, vf q[4])
{
	vf e1, o1, e2, o2;

	split(p, &e1, &o1);
	split(p + 2 * VL, &e2, &o2);
	q[0] = __builtin_shufflevector(e1, e2, EVEN);
	q[2] = __builtin_shufflevector(e1, e2, ODD);
	q[1] = __builtin_shufflevector(o1, o2, EVEN);
	q[3] = __builtin_shufflevector(o1, o2, ODD);
}

/* The inverse of split4: lane t of q[k] to 4t + k, as four vectors. */
static inline void
zip4(const vf q[4], vf out[4])
{
	vf e[2], o[2];

	zip(q[0], q[2], e);
	zip(q[1], q[3], o);
	zip(e[0], o[0], out);
	zip(e[1], o[1], out + 2);
}
