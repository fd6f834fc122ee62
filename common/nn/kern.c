#include "kern.h"

#include <stdlib.h>
#include <string.h>

/* Widest first: the default is the first one the CPU runs. */
static const Kern *const all[] = { &kern_avx512, &kern_avx2, &kern_scalar };
enum { NKERN = sizeof all / sizeof all[0] };

/* What the Makefile's flags for each file let the compiler use. */
int
kern_runs(const Kern *k)
{
	__builtin_cpu_init();
	if (k == &kern_avx512)
		return __builtin_cpu_supports("avx512f") &&
		    __builtin_cpu_supports("avx512vl") &&
		    __builtin_cpu_supports("avx512bw") &&
		    __builtin_cpu_supports("avx512dq") &&
		    __builtin_cpu_supports("fma");
	if (k == &kern_avx2)
		return __builtin_cpu_supports("avx2") &&
		    __builtin_cpu_supports("fma");
	return 1;
}

int
kern_pick(const Kern **k, Err *e)
{
	const char *want = getenv("IMATSEG_ISA");

	for (int i = 0; i < NKERN; i++) {
		if (want != NULL && *want != '\0' &&
		    strcmp(want, all[i]->name) != 0)
			continue;
		if (kern_runs(all[i])) {
			*k = all[i];
			return 0;
		}
		if (want != NULL && *want != '\0')
			return err_set(e, "IMATSEG_ISA=%s: this CPU cannot run "
			    "%s instructions", want, want);
	}
	return err_set(e, "IMATSEG_ISA=%s: not an instruction set of the "
	    "engine (scalar, avx2, avx512)", want);
}
