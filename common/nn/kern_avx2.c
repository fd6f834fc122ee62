/* kern_avx2 — kern.h's kernels built for avx2 (flags in the Makefile). */
#define KSUF avx2
#define KNAME "avx2"
#define VL 8
#include "kern_body.h"
