/* kern_avx512 — kern.h's kernels built for avx512 (flags in the Makefile). */
#define KSUF avx512
#define KNAME "avx512"
#define VL 16
#include "kern_body.h"
