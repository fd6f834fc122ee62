/* fuzz csvrows: CSV text read as train.csv (2019 or 2020 layout, by its
 * header) and as a submission, row by row, as rle2mask and miou read
 * them; then scored by the competition's metric against itself, as
 * miou --kaggle reads truth and submission. Masks are bounded to a
 * megapixel so that a row's runs stay small. */
#include <stdio.h>

#include "fuzz.h"
#include "kaggle.h"
#include "trainrows.h"

static void
read_rows(const uint8_t *data, size_t size, int need_size)
{
	TrainOptions o = { .ncat = 46, .max_pixels = 1 << 20,
	    .need_size = need_size, .parse_rle = 1 };
	FILE *fp = fmemopen((void *)data, size, "r");
	const TrainRow *row;
	TrainReader *r;
	Err e;
	int rc, n = 0;

	if (fp == NULL)
		return;
	if ((r = train_open(fp, "fuzz", &o, &e)) != NULL) {
		while ((rc = train_next(r, &row, &e)) > 0 && n++ < 100000)
			if (rc == 1)
				FUZZ_ASSERT(row->category >= 0 &&
				    row->category < 46 && row->stem_len > 0);
		train_close(r);
	}
	fclose(fp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	KaggleOptions ko = { .ncat = 46 };
	KaggleResult kr;
	FILE *t, *s;
	Err e;

	if (size == 0)
		return 0;
	read_rows(data, size, 1);
	read_rows(data, size, 0);
	t = fmemopen((void *)data, size, "r");
	s = fmemopen((void *)data, size, "r");
	if (t != NULL && s != NULL && kaggle_score(t, "truth", s, "sub", &ko,
	    &kr, &e) == 0) {
		FUZZ_ASSERT(kr.images == 0 || (kr.score >= 0 && kr.score <= 1));
		kaggle_result_free(&kr);
	}
	if (t != NULL)
		fclose(t);
	if (s != NULL)
		fclose(s);
	return 0;
}
