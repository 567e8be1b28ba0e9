// SPDX-License-Identifier: GPL-2.0
/* Messages: every one on stderr, prefixed, one line each. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "name.h"
#include "pktcount.h"

int pc_verbose;
_Thread_local int pc_soft_errors;	/* per thread: taps open in parallel (src/par.c) */
_Thread_local char pc_last_error[256];

/* Longer messages are cut: every one is a line about one thing. */
#define PC_MSG_MAX 1024

/*
 * "pktcount: ", msg, tail and a newline, in one write.  A message may name
 * an interface from the command line or from netlink, whose name can hold
 * any byte: its control bytes (newlines too, so it stays one line) and
 * bytes that are not UTF-8 go out as %HH (src/name.c), never raw to a
 * terminal.  A '%' is left alone: messages say "100%", and no name holds
 * one (src/name.c).
 */
static void say(const char *msg, const char *tail)
{
	char safe[PC_MSG_MAX * 3 + 1];	/* %HH: three bytes for each at most */

	pc_name_encode(safe, sizeof(safe), msg, PC_NAME_MSG);
	fprintf(stderr, "pktcount: %s%s\n", safe, tail);
}

void pc_vsay(const char *tail, const char *fmt, va_list ap)
{
	char msg[PC_MSG_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	say(msg, tail);
}

void pc_log(const char *fmt, ...)
{
	va_list ap;

	if (!pc_verbose)
		return;
	va_start(ap, fmt);
	pc_vsay("", fmt, ap);
	va_end(ap);
}

void pc_err(const char *fmt, ...)
{
	va_list ap;

	/* kept unescaped: it is escaped where it is printed (pc_log) */
	va_start(ap, fmt);
	vsnprintf(pc_last_error, sizeof(pc_last_error), fmt, ap);
	va_end(ap);
	/* a soft error is named by the fallback it causes, not printed twice */
	if (!pc_soft_errors)
		say(pc_last_error, "");
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
