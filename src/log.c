// SPDX-License-Identifier: GPL-2.0
/* Messages: every one on stderr, prefixed, one line each. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "pktcount.h"

int pc_verbose;
int pc_soft_errors;
char pc_last_error[256];

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
	vsnprintf(pc_last_error, sizeof(pc_last_error), fmt, ap);
	va_end(ap);
	/* a soft error is named by the fallback it causes, not printed twice */
	if (!pc_soft_errors)
		fprintf(stderr, "pktcount: %s\n", pc_last_error);
}

const char *pc_errno_name(int err)
{
	switch (err) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case E2BIG: return "E2BIG";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ENOSYS: return "ENOSYS";
	case ENOPROTOOPT: return "ENOPROTOOPT";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case ENETDOWN: return "ENETDOWN";
	case ENXIO: return "ENXIO";
	case 524: return "ENOTSUPP";
	default: return "errno";
	}
}
