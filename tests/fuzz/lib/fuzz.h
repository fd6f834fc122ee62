/* fuzz.h — what the harnesses share. Each harness is one
 * LLVMFuzzerTestOneInput over the bytes of one untrusted input; it must
 * never crash, leak or read out of bounds (ASan and UBSan watch), and
 * checks what must hold of every input it accepts with FUZZ_ASSERT (a
 * failed property is a crash, so the fuzzer keeps the input). Built two
 * ways: with clang's libFuzzer for `make fuzz`, and with replay.c as
 * main for `make check`, which runs every kept input once. */
#ifndef IMATSEG_FUZZ_H
#define IMATSEG_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(c) do { if (!(c)) __builtin_trap(); } while (0)

/* The bytes as a file of their own (some parsers read paths): a path
 * that stays the same for the process, rewritten on each call. */
const char *fuzz_file(const uint8_t *data, size_t size);

#endif
