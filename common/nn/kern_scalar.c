/* kern_scalar — kern.h's kernels built for any x86-64 CPU, without vector instructions (flags in the Makefile). */
#define KSUF scalar
#define KNAME "scalar"
#define VL 1
#include "kern_body.h"
