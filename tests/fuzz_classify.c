// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the userspace classifier against the reference model. */
#include <stdlib.h>

#include "lib/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fuzz_check(data, size))
		abort();
	return 0;
}
