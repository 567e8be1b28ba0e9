// SPDX-License-Identifier: GPL-2.0
/*
 * Giving up privilege once the sockets and filters are in place: the user
 * of -Z (nobody by default when started as root), and of the capabilities
 * only those that attaching to an interface again needs, which each mode
 * declares by need in its row (src/modes.c):
 *   PC_NEED_PACKET     CAP_NET_RAW: a packet socket (ebpf, classic, pcap)
 *   PC_NEED_BPF        CAP_BPF (5.8+, else CAP_SYS_ADMIN) where
 *                      kernel.unprivileged_bpf_disabled is not 0: a map
 *                      and a socket filter (ebpf); before 5.19 also reading
 *                      a map through an fd already held (pinned)
 *   PC_NEED_BPF_ADMIN  the same, always: SCHED_CLS programs, tcx links (tc)
 *   PC_NEED_NET_ADMIN  CAP_NET_ADMIN: clsact filters added, and removed at
 *                      exit (tc)
 * The bounding set is emptied of everything else and no_new_privs set, so
 * nothing executed later can gain any back.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/capability.h>

#include "modes.h"
#include "pktcount.h"

#define PC_CAP_LAST 63	/* higher ones are rejected with EINVAL: the loop stops there */

static int kernel_at_least(int major, int minor)
{
	struct utsname u;
	int a = 0, b = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &a, &b) != 2)
		return 0;
	return a > major || (a == major && b >= minor);
}

static int unprivileged_bpf_disabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/unprivileged_bpf_disabled", "re");
	int v = 1;	/* cannot tell: assume it is */

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 1;
		fclose(f);
	}
	return v != 0;
}

uint64_t pc_privs_caps(const struct pc_keep *keep)
{
	uint64_t caps = keep->needs & PC_NEED_PACKET ? 1ull << CAP_NET_RAW : 0;

	if (keep->needs & PC_NEED_NET_ADMIN)
		caps |= 1ull << CAP_NET_ADMIN;
	if ((keep->needs & PC_NEED_BPF_ADMIN) || ((keep->needs & PC_NEED_BPF) && unprivileged_bpf_disabled()))
		caps |= 1ull << (kernel_at_least(5, 8) ? CAP_BPF : CAP_SYS_ADMIN);
	return caps;
}

int pc_privs_drop(const char *user, int asked, uint64_t caps)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	struct passwd *pw;
	uid_t uid;
	gid_t gid;
	int cap;

	errno = 0;
	pw = getpwnam(user);
	if (pw) {
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	} else if (!asked) {
		/* a device with no /etc/passwd (a busybox initramfs): nobody's usual ids */
		uid = gid = 65534;
		pc_log("no user nobody here: using uid and gid 65534");
	} else {
		pc_err("-Z %s: %s", user, errno && errno != ENOENT ? strerror(errno) : "no such user");
		return PC_EXIT_USAGE;
	}
	if (uid == 0) {
		pc_log("-Z %s: keeping root", user);
		return PC_EXIT_OK;
	}
	/* while still root: no capability but those kept can ever come back */
	for (cap = 0; cap <= PC_CAP_LAST; cap++) {
		if (caps >> cap & 1)
			continue;	/* (CAP_SETPCAP goes too: effective still has it for this loop) */
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break;	/* past the last capability this kernel knows */
			pc_err("prctl(PR_CAPBSET_DROP, %d): %s", cap, strerror(errno));
			return PC_EXIT_FAIL;
		}
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
		pc_err("prctl(PR_SET_KEEPCAPS): %s", strerror(errno));
		return PC_EXIT_FAIL;
	}
	if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		pc_err("becoming %s (uid %u, gid %u): %s", user, (unsigned int)uid, (unsigned int)gid,
		       strerror(errno));
		return PC_EXIT_FAIL;
	}
	/* a setuid(0) that works now would mean the drop did not happen */
	if (setuid(0) == 0 || getuid() != uid || geteuid() != uid || getgid() != gid) {
		pc_err("becoming %s: root is still reachable", user);
		return PC_EXIT_FAIL;
	}
	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = (uint32_t)caps;
	d[1].effective = d[1].permitted = (uint32_t)(caps >> 32);
	if (syscall(SYS_capset, &h, d) < 0) {
		pc_err("capset: %s", strerror(errno));
		return PC_EXIT_FAIL;
	}
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		pc_err("prctl after dropping privileges: %s", strerror(errno));
		return PC_EXIT_FAIL;
	}
	pc_log("running as %s (uid %u), capabilities kept: %#llx", user, (unsigned int)uid,
	       (unsigned long long)caps);
	return PC_EXIT_OK;
}
