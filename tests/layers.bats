#!/usr/bin/env bats
# common/'s layers: the build refuses an include that points the wrong
# way, and tests/layering.py refuses printing and exiting outside
# common/cli. Each is shown failing on a planted defect in a copy of the
# tree, so that neither check can pass by checking nothing.

load helpers

# copy: the sources a layer's archive is built from, in ./tree.
copy() {
	mkdir tree
	cp -r "$TOP/common" "$TOP/Makefile" tree/
}

@test "the layering rules hold in the tree" {
	run -0 "$PY" "$TOP/tests/layering.py" "$TOP"
	refute_line --partial "not ok"
}

@test "each layer's archive builds from its own sources" {
	copy
	run -0 make -C tree --no-print-directory build/libnn.a build/libdata.a
	[ -f tree/build/libnn.a ] && [ -f tree/build/libdata.a ]
}

@test "an include of the image layer from common/nn/conv.c does not compile" {
	copy
	sed -i '0,/#include "conv.h"/s//#include "conv.h"\n#include "image.h"/' \
	    tree/common/nn/conv.c
	grep -q '#include "image.h"' tree/common/nn/conv.c
	run ! make -C tree --no-print-directory build/libnn.a
	assert_output --partial 'image.h: No such file or directory'
}

@test "an include of a layer above (model from shard) does not compile" {
	copy
	echo '#include "ckpt.h"' >> tree/common/shard/tar.c
	run ! make -C tree --no-print-directory build/libshard.a
	assert_output --partial 'ckpt.h: No such file or directory'
}

@test "a path around the include rules is refused by the check" {
	copy
	echo '#include "../image/image.h"' >> tree/common/nn/act.c
	run -1 "$PY" "$TOP/tests/layering.py" tree
	assert_output --partial 'common/nn/act.c:'
	assert_output --partial 'include headers by their plain name'
}

@test "a library header outside its layers is refused by the check" {
	copy
	echo '#include <jansson.h>' >> tree/common/nn/act.c
	run -1 "$PY" "$TOP/tests/layering.py" tree
	assert_output --partial '<jansson.h> is not a library of common/nn'
}

@test "a printf in common/nn is refused, naming the file and line" {
	copy
	printf 'void noisy(void) { printf("x\\n"); }\n' >> tree/common/nn/act.c
	n=$(wc -l < tree/common/nn/act.c)
	run -1 "$PY" "$TOP/tests/layering.py" tree
	assert_output --partial "common/nn/act.c:$n: printf() outside common/cli"
}

@test "exit, abort and writes to stderr under common/ are refused" {
	copy
	echo 'void a(void) { exit(1); }' >> tree/common/data/rle.c
	echo 'void b(void) { abort(); }' >> tree/common/shard/tar.c
	echo 'void c(FILE *f) { fputs("x", stderr); }' >> tree/common/model/train.c
	echo 'FILE *d(void) { return stderr; }' >> tree/common/image/palette.c
	run -1 "$PY" "$TOP/tests/layering.py" tree
	assert_output --partial 'common/data/rle.c'
	assert_output --partial 'exit() outside common/cli'
	assert_output --partial 'abort() outside common/cli'
	assert_output --partial 'common/model/train.c'
	assert_output --partial 'prints to stdout or stderr'
	assert_output --partial 'common/image/palette.c'
	assert_output --partial 'stderr outside common/cli'
}

@test "printing in common/cli, in comments and in strings is allowed" {
	copy
	echo 'void e(void) { fprintf(stderr, "exit(1)"); }' >> tree/common/cli/cli.c
	echo '/* printf("x") and exit(1) in a comment */' >> tree/common/nn/act.c
	echo 'const char *f = "abort() in a string";' >> tree/common/nn/act.c
	run -0 "$PY" "$TOP/tests/layering.py" tree
}
