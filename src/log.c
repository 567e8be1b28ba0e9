// SPDX-License-Identifier: GPL-2.0
/* Messages: every one on stderr, prefixed, one line each. */
#include <stdarg.h>
#include <stdio.h>

#include "pktcount.h"

int pc_verbose;

void pc_log(const char *fmt, ...)
{
	va_list ap;

	if (!pc_verbose)
		return;
	va_start(ap, fmt);
	fputs("pktcount: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void pc_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("pktcount: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
