/* schedule — learning-rate schedules. See schedule.h. */
#include "schedule.h"

#include <math.h>
#include <string.h>

#define PI 3.14159265358979323846

static const char *const names[] = { "constant", "cosine", "onecycle" };

const char *
schedule_name(int kind)
{
	return kind >= 0 && kind < (int)(sizeof names / sizeof *names) ?
	    names[kind] : "?";
}

int
schedule_kind(const char *name)
{
	for (int i = 0; i < (int)(sizeof names / sizeof *names); i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

/* From a to b along half a cosine, pct in [0, 1]. */
static double
anneal(double a, double b, double pct)
{
	return b + (a - b) / 2 * (cos(PI * pct) + 1);
}

/* OneCycleLR's two phases: the first ends at step pct * T - 1 (a
 * fraction, as PyTorch has it), the second at T - 1. */
static double
onecycle(const Schedule *s, double t)
{
	double start = s->lr / ONECYCLE_DIV, end1 = ONECYCLE_PCT * s->steps - 1,
	    end2 = (double)s->steps - 1, min = start / ONECYCLE_FINAL_DIV;

	if (t <= end1)
		return anneal(start, s->lr, end1 > 0 ? t / end1 : 1);
	return anneal(s->lr, min, end2 > end1 ? (t - end1) / (end2 - end1) : 1);
}

double
schedule_lr(const Schedule *s, uint64_t t)
{
	if (s->kind != LR_CONSTANT && s->steps > 0 && t >= s->steps)
		t = s->steps - 1;
	if (s->kind == LR_ONECYCLE)
		return onecycle(s, (double)t);
	if (t < s->warmup)
		return s->lr * (double)(t + 1) / (double)s->warmup;
	if (s->kind == LR_CONSTANT || s->steps <= s->warmup)
		return s->lr;
	return anneal(s->lr, 0, (double)(t - s->warmup) /
	    (double)(s->steps - s->warmup));
}
