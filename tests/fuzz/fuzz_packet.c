// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer over the reference classifier (the data path's source compiled
 * natively, under ASan/UBSan): any frame, on either hook and interface,
 * alone or after the previous inputs' state.  Input byte 0 selects: bit 0
 * egress, bit 1 internal NIC, bit 2 keep the flows of earlier inputs.
 * The frame is copied to a buffer of exactly its size.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzzpolicy.h"
#include "shim.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ef_maps m;

	(void)argc;
	(void)argv;
	if (ref_init())
		abort();
	m = ref_maps();
	if (fuzz_policy_apply(&m, FUZZ_IF_EXT, FUZZ_IF_INT))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ref_verdict v;
	uint8_t sel;

	if (size < 1)
		return 0;
	sel = data[0];
	if (!(sel & 4))
		ref_clear_state();
	if (ref_run(sel & 1, sel & 2 ? FUZZ_IF_INT : FUZZ_IF_EXT, data + 1, size - 1, &v))
		abort();
	/* enforce mode: a verdict is a pass exactly when its reason is one */
	if (v.pass != (v.reason < EF_REASON_FIRST_DROP) || v.reason >= EF_REASON_MAX)
		abort();
	/* a rule is credited only with a pass */
	if (v.rule >= 0 && !v.pass)
		abort();
	return 0;
}
