#!/usr/bin/env bats
# make install: programs, manual pages, the shipped labels and
# unet-serve's page and sample photos land under DESTDIR/PREFIX, and an
# installed program finds its labels.

load helpers

@test "make install DESTDIR=... PREFIX=... installs what the README says" {
	run -0 make -C "$TOP" --no-print-directory install DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/opt/im
	root=$BATS_TEST_TMPDIR/root/opt/im
	[ -x "$root/bin/rle2mask" ]
	[ -x "$root/bin/mask2rle" ]
	[ -f "$root/share/man/man1/rle2mask.1" ]
	[ -f "$root/share/man/man5/imatseg-mask.5" ]
	[ -f "$root/share/imatseg/label_descriptions.json" ]
	[ -f "$root/share/imatseg/serve/index.html" ]
	[ -f "$root/share/imatseg/serve/app.js" ]
	[ -f "$root/share/imatseg/samples/README" ]
	cmp "$root/share/imatseg/samples/000000009813.jpg" "$SAMPLE/images/000000009813.jpg"
	[ ! -L "$root/share/imatseg/samples/000000009813.jpg" ]
	run -0 "$root/bin/rle2mask" --stats "$SAMPLE/train.csv"
	assert_line "category	31	sleeve	4	2	108782	0.0212785"
	run -0 make -C "$TOP" --no-print-directory uninstall DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/opt/im
	[ ! -e "$root/bin/rle2mask" ]
	[ ! -e "$root/share/imatseg" ]
}
