// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU counters for rust/ffi/stats.rs: each CPU adds to its own copy
 * (this_cpu_add: no lock prefix, no shared cache line on the packet path,
 * as IPVS's per-CPU stats), and a report sums the copies, or takes their
 * largest for a counter that is a maximum.
 */
#include <linux/percpu.h>
#include "tcpsplice_helpers.h"

u64 *tcpsplice_h_percpu_alloc(u32 n)
{
	return (u64 __force *)__alloc_percpu(n * sizeof(u64), sizeof(u64));
}

void tcpsplice_h_percpu_free(u64 *p)
{
	free_percpu((u64 __percpu __force *)p);
}

void tcpsplice_h_percpu_add(u64 *p, u32 i, u64 n)
{
	u64 __percpu *c = (u64 __percpu __force *)p;

	this_cpu_add(c[i], n);
}

/*
 * Raise this CPU's copy to v. A task moved to another CPU between the read
 * and the cmpxchg raises that CPU's copy instead: either way some copy
 * holds at least v, which is what the report's largest needs.
 */
void tcpsplice_h_percpu_max(u64 *p, u32 i, u64 v)
{
	u64 __percpu *c = (u64 __percpu __force *)p;
	u64 cur = this_cpu_read(c[i]);

	while (v > cur) {
		u64 old = this_cpu_cmpxchg(c[i], cur, v);

		if (old == cur)
			break;
		cur = old;
	}
}

u64 tcpsplice_h_percpu_sum(const u64 *p, u32 i)
{
	const u64 __percpu *c = (const u64 __percpu __force *)p;
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(c, cpu)[i]);
	return sum;
}

u64 tcpsplice_h_percpu_largest(const u64 *p, u32 i)
{
	const u64 __percpu *c = (const u64 __percpu __force *)p;
	u64 max = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		max = max(max, READ_ONCE(per_cpu_ptr(c, cpu)[i]));
	return max;
}

/* Zero every copy; an add racing with it on another CPU may survive it. */
void tcpsplice_h_percpu_zero(u64 *p, u32 n)
{
	u64 __percpu *c = (u64 __percpu __force *)p;
	int cpu;
	u32 i;

	for_each_possible_cpu(cpu)
		for (i = 0; i < n; i++)
			WRITE_ONCE(per_cpu_ptr(c, cpu)[i], 0);
}
