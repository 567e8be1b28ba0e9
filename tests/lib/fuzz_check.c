// SPDX-License-Identifier: GPL-2.0
#include "frames.h"
#include "fuzz_check.h"

int fuzz_check(const uint8_t *data, size_t size)
{
	const uint8_t *frame = data + 5;
	uint32_t len, caplen, end;
	enum pc_link link;
	uint16_t protocol;
	int vlan, out;
	uint64_t bytes;
	unsigned int key, want;

	if (size < 5)
		return 0;
	link = data[0] & 1 ? PC_LINK_RAW : PC_LINK_ETH;
	vlan = !!(data[0] & 2);
	out = !!(data[0] & 4);
	protocol = (uint16_t)(data[1] << 8 | data[2]);
	caplen = (uint32_t)(data[3] << 8 | data[4]);
	len = (uint32_t)(size - 5);
	end = caplen < len ? caplen : len;

	key = pc_classify(frame, caplen, len, link, protocol, vlan, out, &bytes);
	if (key >= PC_NKEYS)
		return 1;
	if ((key >= PC_NSLOTS) != out)
		return 2;
	if (bytes != (uint64_t)len + (vlan ? 4 : 0))
		return 3;
	/* what was not captured reads as the end of the frame */
	want = frames_ref_key(frame, end, link, protocol, vlan) + (out ? PC_NSLOTS : 0);
	if (key != want)
		return 4;
	return 0;
}
