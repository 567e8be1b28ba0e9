// SPDX-License-Identifier: GPL-2.0
/* Messages: every one on stderr, prefixed, one line each. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "name.h"
#include "pktcount.h"

int pc_verbose;

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

	va_start(ap, fmt);
	pc_vsay("", fmt, ap);
	va_end(ap);
}

int pc_fail(struct pc_fail *why, int code, const char *fmt, ...)
{
	va_list ap;

	/* kept unescaped: it is escaped where it is said (pc_fail_say, or a fallback's pc_log) */
	va_start(ap, fmt);
	vsnprintf(why->msg, sizeof(why->msg), fmt, ap);
	va_end(ap);
	why->code = code;
	return code;
}

int pc_fail_say(const struct pc_fail *why)
{
	say(why->msg, "");
	return why->code;
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
