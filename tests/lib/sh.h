/* SPDX-License-Identifier: GPL-2.0 */
/* Shell command lines, as tests write them. */
#ifndef PKTCOUNT_TEST_SH_H
#define PKTCOUNT_TEST_SH_H

/* Run a command line through sh; returns its exit status, -1 if it did not run. */
int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like sh(), failing the test with the command line when it exits non-zero. */
void sh_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* What a command line prints (malloc'd, the caller frees); fails the test unless it exits 0. */
char *sh_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
