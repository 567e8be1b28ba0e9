// SPDX-License-Identifier: GPL-2.0
/* Shell command lines, as tests write them. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "sh.h"

static int vsh(const char *fmt, va_list ap, char *cmd, size_t size)
{
	int st;

	vsnprintf(cmd, size, fmt, ap);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vsh(fmt, ap, cmd, sizeof(cmd));
	va_end(ap);
	return ret;
}

/* What a command line prints (malloc'd, the caller frees); fails the test unless it exits 0. */
char *sh_out(const char *fmt, ...)
{
	char cmd[512], chunk[4096];
	char *text = NULL;
	size_t size = 0, n;
	va_list ap;
	FILE *p, *m;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	m = open_memstream(&text, &size);
	cr_assert(p && m, "popen %s", cmd);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		cr_assert_eq(fwrite(chunk, 1, n, m), n);
	cr_assert_eq(pclose(p), 0, "exit status of %s", cmd);
	cr_assert_eq(fclose(m), 0);
	return text;
}

void sh_ok(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vsh(fmt, ap, cmd, sizeof(cmd));
	va_end(ap);
	cr_assert_eq(ret, 0, "command failed (%d): %s", ret, cmd);
}
