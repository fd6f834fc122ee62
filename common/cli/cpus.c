/* cpus — the CPUs this process may run on, for -j defaults under a
 * launcher that binds processes to cores (mpirun does). The one file of
 * imatseg that needs GNU's sched_getaffinity. See cli.h. */
#define _GNU_SOURCE
#include <sched.h>

#include "cli.h"

int
cpu_allowed(void)
{
	cpu_set_t set;
	int n = cpu_count(), k;

	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return n;
	k = CPU_COUNT(&set);
	return k < 1 ? 1 : k < n ? k : n;
}
