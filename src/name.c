// SPDX-License-Identifier: GPL-2.0
/*
 * Interface names in output.  A Linux device name is any 1-15 bytes but
 * NUL, '/', ':' and whitespace (net/core/dev.c dev_valid_name()), so it
 * need not be UTF-8 and may hold control bytes; yet JSON and Prometheus
 * want UTF-8, and a terminal must never get a control byte raw.
 *
 * '%' cannot be in a device's name: dev_get_valid_name() hands any name
 * with a '%' to __dev_alloc_name(), which wants exactly one "%d" and puts
 * a number in its place.  So '%' is our escape character, and the rule
 * (docs/output.md "Interface names in output", pktcount.8) is:
 *
 *   well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
 *   above U+10FFFF, no truncated sequence) is kept as it is, except
 *   - a byte that is not part of well-formed UTF-8 becomes %HH;
 *   - '%' becomes %25 (keeps the mapping one-to-one for any input);
 *   - TEXT and PROM: C0 controls, DEL and C1 controls (U+0080-U+009F)
 *     become %HH for each of their UTF-8 bytes;
 *   - JSON: C0 controls and DEL become \u00XX, '"' and '\' are escaped;
 *   - PROM: '"' and '\' are escaped as a label value wants.
 *
 * HH is uppercase hex.  Undoing the JSON or Prometheus escapes and then
 * every %HH gives back the name's bytes.
 */
#include <stdint.h>

#include "name.h"

struct out {
	char *p;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->p[o->len] = c;
	o->len++;
}

static void put_hex(struct out *o, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";

	put(o, '%');
	put(o, hex[c >> 4]);
	put(o, hex[c & 15]);
}

/*
 * The length of the well-formed UTF-8 sequence at s, its code point in
 * *cp; 0 when s[0] starts none.  s is NUL-terminated, and NUL is never a
 * continuation byte, so nothing past the end is read.
 */
static unsigned int utf8_seq(const unsigned char *s, uint32_t *cp)
{
	static const uint32_t least[] = { 0, 0, 0x80, 0x800, 0x10000 };
	uint32_t c = s[0];
	unsigned int n, i;

	if (c < 0x80)
		n = 1;
	else if ((c & 0xe0) == 0xc0)
		n = 2, c &= 0x1f;
	else if ((c & 0xf0) == 0xe0)
		n = 3, c &= 0x0f;
	else if ((c & 0xf8) == 0xf0)
		n = 4, c &= 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* overlong, a UTF-16 surrogate, or past Unicode */
	if (c < least[n] || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

static int is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* One well-formed character of n bytes at s, code point cp. */
static void put_char(struct out *o, const unsigned char *s, unsigned int n, uint32_t cp,
		     enum pc_name_style style)
{
	static const char hex[] = "0123456789abcdef";
	unsigned int i;

	if (cp == '%' && style != PC_NAME_MSG) {
		put_hex(o, '%');
	} else if (style == PC_NAME_JSON && (cp < 0x20 || cp == 0x7f)) {
		put(o, '\\');
		put(o, 'u');
		put(o, '0');
		put(o, '0');
		put(o, hex[cp >> 4]);
		put(o, hex[cp & 15]);
	} else if (style != PC_NAME_JSON && is_control(cp)) {
		for (i = 0; i < n; i++)
			put_hex(o, s[i]);
	} else {
		if ((style == PC_NAME_JSON || style == PC_NAME_PROM) && (cp == '"' || cp == '\\'))
			put(o, '\\');
		for (i = 0; i < n; i++)
			put(o, (char)s[i]);
	}
}

size_t pc_name_encode(char *out, size_t size, const char *s, enum pc_name_style style)
{
	const unsigned char *u = (const unsigned char *)s;
	struct out o = { out, size, 0 };

	while (*u) {
		uint32_t cp;
		unsigned int n = utf8_seq(u, &cp);

		if (n) {
			put_char(&o, u, n, cp, style);
			u += n;
		} else {
			put_hex(&o, *u++);
		}
	}
	if (size)
		out[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}
