// SPDX-License-Identifier: GPL-2.0
/*
 * Pinned state: --persist pins tc mode's maps (and tcx links) under
 * PC_PIN_ROOT (src/pin.h) and leaves the programs attached, so counting
 * goes on with no process.  Any later pktcount on that interface reads the
 * pinned counters (the pinned back end) instead of attaching again, once
 * the kernel confirms the pinned programs count that interface and every
 * pinned map has the shape pinned; --remove detaches and unpins,
 * --remove-stale unpins what counts nothing any more.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "bpf.h"
#include "ebpf_by.h"
#include "modes.h"
#include "options.h"
#include "pin.h"
#include "tc.h"

/* ---- where pinned state lives ---- */

/*
 * A name an interface can have (dev_valid_name(), net/core/dev.c): it
 * becomes a path, so never "", ".", ".." or one with a '/'.
 */
static int ifname_ok(const char *n)
{
	size_t len = strlen(n);

	return len > 0 && len < IF_NAMESIZE && strcmp(n, ".") && strcmp(n, "..") && !strpbrk(n, "/: \t\n\v\f\r");
}

/* PC_PIN_ROOT/net<inode of this network namespace>; 0 or -errno. */
static int netns_dir(char *out, size_t size)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st) < 0)
		return -errno;
	if ((size_t)snprintf(out, size, PC_PIN_ROOT "/net%llu", (unsigned long long)st.st_ino) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* The pin directory of interface ifname in this network namespace; 0 or -errno. */
static int pin_dir(const char *ifname, char *out, size_t size)
{
	int ret;

	if (!ifname_ok(ifname))
		return -EINVAL;
	if ((ret = netns_dir(out, size)) < 0)
		return ret;
	if (strlen(out) + 1 + strlen(ifname) >= size)
		return -ENAMETOOLONG;
	strcat(strcat(out, "/"), ifname);
	return 0;
}

static int bpffs_mounted(void)
{
	struct statfs sf;

	return statfs(PC_PIN_FS, &sf) == 0 && (unsigned long)sf.f_type == BPF_FS_MAGIC;
}

/*
 * PC_PIN_ROOT trusted: a directory of root's (or of the user pktcount runs
 * as), mode 0700.  bpffs is often mounted 1777 (systemd, and this
 * machine): a directory another user made there first could hide pins or
 * keep --persist from pinning; one of root's can only be moved by root
 * (the sticky bit).  0, -ENOENT when missing, or -EPERM, said why.
 */
static int root_trusted(void)
{
	static int said;
	struct stat st;

	if (lstat(PC_PIN_ROOT, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode) && (st.st_uid == 0 || st.st_uid == geteuid()) && (st.st_mode & 07777) == 0700)
		return 0;
	if (!__atomic_exchange_n(&said, 1, __ATOMIC_RELAXED))	/* once, not once a tap */
		pc_err(PC_PIN_ROOT " is %s of uid %u, mode %04o: pktcount pins only in a directory of root's with mode "
		       "0700, where no other user can hide or block its pins; remove it (rm -r " PC_PIN_ROOT ") if "
		       "nothing in it is yours", S_ISDIR(st.st_mode) ? "a directory" : "not a directory",
		       (unsigned int)st.st_uid, (unsigned int)(st.st_mode & 07777));
	return -EPERM;
}

/* The mount namespace of pid into st (stat of /proc/PID/ns/mnt); 0 or -1. */
static int mnt_ns(pid_t pid, struct stat *st)
{
	char path[40];

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	return stat(path, st);
}

/* The parent of pid, from /proc/PID/status; 0 when unknown. */
static pid_t parent_of(pid_t pid)
{
	char path[40], line[64];
	int ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return 0;
	while (fgets(line, sizeof(line), f) && sscanf(line, "PPid: %d", &ppid) != 1)
		;
	fclose(f);
	return (pid_t)ppid;
}

/*
 * Whether a bpffs mounted by this process would outlive it: its mount
 * namespace is PID 1's, or where PID 1's cannot be read (a sandbox, or
 * another user's PID 1), that of every ancestor it can read.  `ip netns
 * exec` and `unshare -m` give the command a mount namespace of its own,
 * which ends with it, and the pins and tcx links with it.  1 when it
 * cannot be told (no /proc/PID/ns before 3.8: one mount table).
 */
static int mount_ns_lasts(void)
{
	struct stat self, other;
	pid_t pid = getppid();
	int hops;

	if (mnt_ns(getpid(), &self) < 0)
		return 1;
	if (mnt_ns(1, &other) == 0)
		return self.st_ino == other.st_ino && self.st_dev == other.st_dev;
	for (hops = 0; pid > 1 && hops < 64; hops++, pid = parent_of(pid))
		if (mnt_ns(pid, &other) == 0 && (self.st_ino != other.st_ino || self.st_dev != other.st_dev))
			return 0;
	return 1;
}

/*
 * bpffs at PC_PIN_FS, mounted when missing.  Not from a mount namespace of
 * its own, as `ip netns exec` makes (with a fresh /sys, without bpffs): a
 * bpffs mounted there ends with the process, and with it the pins and the
 * tcx links they hold.
 */
static int bpffs_ready(void)
{
	if (bpffs_mounted())
		return 0;
	if (!mount_ns_lasts()) {
		pc_err("bpffs is not mounted at " PC_PIN_FS ", and one mounted here would end with this process's "
		       "mount namespace (ip netns exec makes one), the pins with it: use pktcount --netns NAME, "
		       "or mount bpffs there first");
		return PC_EXIT_FAIL;
	}
	if (mount("bpf", PC_PIN_FS, "bpf", 0, "mode=0700") < 0) {
		int err = errno;

		pc_err("bpffs is not mounted at " PC_PIN_FS " and mounting it failed: %s (%s)%s", strerror(err),
		       pc_errno_name(err), err == EPERM ? ": needs CAP_SYS_ADMIN" : "");
		return err == EPERM ? PC_EXIT_PRIV : PC_EXIT_FAIL;
	}
	pc_err("mounted bpffs at " PC_PIN_FS " (it was not): the pins last as long as this mount namespace");
	return 0;
}

static int pin_at(int fd, const char *dir, const char *name)
{
	char path[200];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (pc_bpf_obj_pin(fd, path) < 0) {
		int err = errno;

		pc_err("pinning %s: %s (%s)", path, strerror(err), pc_errno_name(err));
		return -err;
	}
	return 0;
}

static int get_at(const char *dir, const char *name)
{
	char path[200];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return pc_bpf_obj_get(path);
}

/* What pktcount pins in an interface's directory; anything else there is not its own. */
static const char *const pin_names[] = {
	"counters", "classes", "prog_ingress", "prog_egress", "link_ingress", "link_egress", "meta",
};

static int pin_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(pin_names) / sizeof(pin_names[0]); i++)
		if (!strcmp(name, pin_names[i]))
			return 1;
	return 0;
}

/*
 * pktcount's pins in dir unpinned, dir and its namespace's directory
 * removed when empty.  What is not pktcount's stays, named; the count of
 * entries left.
 */
static int unpin_all(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[200], *slash;
	int left = 0;

	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!pin_name(de->d_name))
			pc_err("%s/%s: not pktcount's: left there", dir, de->d_name);
		else if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			continue;
		else
			pc_err("unpinning %s/%s: %s", dir, de->d_name, strerror(errno));
		left++;
	}
	if (d)
		closedir(d);
	if (!left && rmdir(dir) < 0 && errno != ENOENT) {
		pc_err("removing %s: %s", dir, strerror(errno));
		left++;
	}
	snprintf(path, sizeof(path), "%s", dir);
	slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		rmdir(path);	/* fails while another interface of the namespace is pinned: meant */
	}
	return left;
}

/* ---- --persist ---- */

/* The directories down to tap's dir made, PC_PIN_ROOT trusted (root_trusted()); a pc_exit, said why. */
static int mkdirs(const struct pc_tap *tap, const char *dir)
{
	char path[160];
	char *p = path + strlen(PC_PIN_FS) + 1;

	snprintf(path, sizeof(path), "%s", dir);
	for (;; *p++ = '/') {
		int last = !(p = strchr(p, '/'));

		if (!last)
			*p = '\0';
		if (mkdir(path, 0700) < 0 && (errno != EEXIST || last)) {
			pc_err("%s: %s: %s%s", tap->name, path, strerror(errno),
			       errno == EEXIST ? ": pinned already (pktcount --remove IFACE first)" : "");
			return errno == EEXIST ? PC_EXIT_USAGE : PC_EXIT_FAIL;
		}
		if (last)
			return PC_EXIT_OK;
		if (!strcmp(path, PC_PIN_ROOT) && root_trusted() < 0)
			return PC_EXIT_FAIL;
	}
}

static void meta_fill(const struct pc_tap *tap, const struct pc_tc *t, struct pc_pin_meta *m)
{
	unsigned int i;

	m->magic = PC_PIN_MAGIC;
	m->layout = PC_PIN_LAYOUT;
	m->ifindex = (uint32_t)tap->ifindex;
	m->kind = (uint32_t)t->kind;
	m->percpu = (uint32_t)t->e.percpu;
	m->unit = tap->unit;
	m->nkeys = PC_NKEYS;
	m->nclasses = pc_classes.n;
	m->prio[0] = t->filt[0].prio;
	m->prio[1] = t->filt[1].prio;
	m->qdisc_created = (uint32_t)t->qdisc;
	m->filtered = pc_classes.filter != NULL;
	m->pinned_at = (uint64_t)time(NULL);
	snprintf(m->detail, sizeof(m->detail), "%s", t->e.detail);
	for (i = 0; i < pc_classes.n; i++)
		snprintf(m->classes[i], sizeof(m->classes[i]), "%s", pc_classes.c[i].name);
}

/* The meta map, filled, pinned last: its presence says the rest is there. */
static int pin_meta(const struct pc_tap *tap, const struct pc_tc *t, const char *dir)
{
	uint8_t *val = calloc(1, PC_PIN_META_SIZE);
	uint32_t key = 0;
	int fd = pc_bpf_map_create(BPF_MAP_TYPE_ARRAY, sizeof(key), PC_PIN_META_SIZE, 1, "pktcount_meta"), ret;

	if (!val || fd < 0) {
		ret = fd < 0 ? -errno : -ENOMEM;
		pc_err("%s: the pinned state's description: %s", tap->name, strerror(-ret));
	} else {
		meta_fill(tap, t, (struct pc_pin_meta *)val);
		ret = pc_bpf_map_update(fd, &key, val, 0);
		if (ret < 0)
			pc_err("%s: the pinned state's description: %s", tap->name, strerror(-ret));
		else
			ret = pin_at(fd, dir, "meta");
	}
	if (fd >= 0)
		close(fd);
	free(val);
	return ret;
}

static int pin_tap(const struct pc_tap *tap, const struct pc_tc *t, const char *dir)
{
	int d;

	if (pin_at(t->e.map_fd, dir, "counters") < 0 || (t->e.cls_fd >= 0 && pin_at(t->e.cls_fd, dir, "classes") < 0))
		return -1;
	for (d = 0; d < 2; d++) {
		char name[24];

		snprintf(name, sizeof(name), "prog_%s", pc_tc_hook[d]);
		if (pin_at(t->prog[d], dir, name) < 0)
			return -1;
		snprintf(name, sizeof(name), "link_%s", pc_tc_hook[d]);
		if (t->link[d] >= 0 && pin_at(t->link[d], dir, name) < 0)
			return -1;
	}
	return pin_meta(tap, t, dir);
}

int pc_tc_persist(struct pc_tap *tap)
{
	struct pc_tc *t = tap->priv;
	char dir[160];
	int ret, code;

	if (!tap->be || pc_mode_of(tap->be)->id != PC_MODE_TC || !t) {
		pc_err("%s: --persist needs tc mode", tap->name);
		return PC_EXIT_USAGE;
	}
	if ((code = bpffs_ready()))
		return code;
	if ((ret = pin_dir(tap->name, dir, sizeof(dir))) < 0) {
		pc_err("%s: the pin directory: %s", tap->name, strerror(-ret));
		return PC_EXIT_FAIL;
	}
	if ((code = mkdirs(tap, dir)))
		return code;
	if (pin_tap(tap, t, dir) < 0) {
		unpin_all(dir);
		return PC_EXIT_FAIL;
	}
	t->keep = 1;
	printf("%s: counting with no process (%s); counters pinned at %s; pktcount %s reads them, "
	       "pktcount --remove %s stops it\n", tap->name, t->e.detail, dir, tap->name, tap->name);
	return PC_EXIT_OK;
}

/* ---- what pinned state counts ---- */

/* The description pinned in dir into m, quietly: 0, -ENOENT without one, -EPROTO when it is not pktcount's. */
static int meta_get(const char *dir, struct pc_pin_meta *m)
{
	static const struct pc_map_shape want = { BPF_MAP_TYPE_ARRAY, sizeof(uint32_t), PC_PIN_META_SIZE, 1 };
	struct pc_map_shape got;
	uint8_t *val = calloc(1, PC_PIN_META_SIZE);
	uint32_t key = 0;
	int fd = get_at(dir, "meta"), ret = 0;

	if (fd < 0 || !val) {
		ret = fd < 0 ? -ENOENT : -ENOMEM;
	} else if (pc_bpf_map_shape(fd, &got) < 0 || memcmp(&got, &want, sizeof(got)) ||
		   pc_bpf_map_lookup(fd, &key, val) < 0 || ((struct pc_pin_meta *)val)->magic != PC_PIN_MAGIC) {
		/* the shape first: a lookup writes as much as the map's value size */
		ret = -EPROTO;
	} else {
		memcpy(m, val, sizeof(*m));
	}
	if (fd >= 0)
		close(fd);
	free(val);
	return ret;
}

/* meta_get(), why filled when it fails; a pc_exit. */
static int meta_read(struct pc_fail *why, const char *name, const char *dir, struct pc_pin_meta *m)
{
	int ret = meta_get(dir, m);

	if (ret == -ENOENT)
		return pc_fail(why, PC_EXIT_FAIL, "%s: %s holds no complete pinned state (a --persist that did not "
			       "finish?): pktcount --remove %s clears it", name, dir, name);
	if (ret < 0)
		return pc_fail(why, PC_EXIT_UNSUPPORTED, "%s: %s/meta is not pktcount's pinned state: refusing to "
			       "read it; pktcount --remove %s clears it", name, dir, name);
	return PC_EXIT_OK;
}

struct our_filter {
	uint32_t id;		/* the pinned program's id (0: unknown before 4.13) */
	uint32_t prio;		/* the priority the meta recorded */
	int ifindex, egress;
	int removed;
};

/* pktcount's pinned filter: by its program's id; without ids (before 4.13) by its priority and name */
static int is_ours(const struct pc_tc_info *fi, const struct our_filter *o)
{
	return !strcmp(fi->kind, "bpf") &&
	       (o->id ? fi->bpf_id == o->id : fi->prio == o->prio && !strcmp(fi->bpf_name, "pktcount"));
}

/* The filter for o of hook d (its program's id where the kernel tells it). */
static void our_filter(const char *dir, const struct pc_pin_meta *m, int d, struct our_filter *o)
{
	char name[24];
	uint32_t info[2] = { 0, 0 };
	int fd;

	memset(o, 0, sizeof(*o));
	o->prio = m->prio[d];
	o->ifindex = (int)m->ifindex;
	o->egress = d;
	snprintf(name, sizeof(name), "prog_%s", pc_tc_hook[d]);
	if ((fd = get_at(dir, name)) >= 0) {
		if (pc_bpf_obj_info(fd, info, 2) == 0)
			o->id = info[1];
		close(fd);
	}
}

static int found_ours(const struct pc_tc_info *fi, void *arg)
{
	return is_ours(fi, arg);
}

/* Whether the pinned program of hook d is a filter on clsact of ifindex now: 1, 0, or -errno. */
static int filter_on(const char *dir, const struct pc_pin_meta *m, int d, int ifindex)
{
	struct our_filter o;
	int ret;

	our_filter(dir, m, d, &o);
	ret = pc_tc_filters_each(ifindex, d, found_ours, &o);
	return ret == -ENOENT || ret == -ENODEV ? 0 : ret;
}

/*
 * Whether the pinned tcx link of hook d holds ifindex now: 1, 0, or -errno.
 * struct bpf_link_info is { type, id, prog_id, union at offset 16 }, tcx's
 * { ifindex, attach_type }; a device's unregistering detaches its links
 * (tcx_uninstall(), kernel/bpf/tcx.c), whose ifindex then reads 0.
 */
static int link_on(const char *dir, int d, int ifindex)
{
	uint32_t info[6];
	char name[24];
	int fd, ret;

	snprintf(name, sizeof(name), "link_%s", pc_tc_hook[d]);
	if ((fd = get_at(dir, name)) < 0)
		return errno == ENOENT ? 0 : -errno;
	ret = pc_bpf_obj_info(fd, info, 6);
	close(fd);
	return ret < 0 ? ret : info[4] == (uint32_t)ifindex;
}

/*
 * Whether the programs pinned in dir count interface ifindex now: 1, 0, or
 * -errno when that cannot be told.  Asked of the kernel, not of a record:
 * an interface deleted and made again under the same name, even with the
 * same index, and a network namespace deleted and another given its inode
 * number (pins are kept by it) have none of pktcount's programs attached.
 */
static int pins_bound(const char *dir, const struct pc_pin_meta *m, int ifindex)
{
	int d, ret = 1;

	if (m->ifindex != (uint32_t)ifindex)
		return 0;
	for (d = 0; d < 2 && ret == 1; d++)
		ret = m->kind == PC_TC_TCX ? link_on(dir, d, ifindex) : filter_on(dir, m, d, ifindex);
	return ret;
}

/* ---- pins follow renames ---- */

/* Whether path exists. */
static int present(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* The pin directory from moved to name in the same namespace directory, said; 0 or -errno. */
static int pins_move(const char *from, const char *name, char *to, size_t size)
{
	char *slash;

	snprintf(to, size, "%s", from);
	slash = strrchr(to, '/');
	if (!slash || (size_t)(slash + 1 - to) + strlen(name) >= size)
		return -ENAMETOOLONG;
	strcpy(slash + 1, name);
	if (present(to))
		return -EEXIST;
	if (rename(from, to) < 0)
		return -errno;
	pc_err("%s: the counters pinned as %s (renamed since --persist) are now at %s", name, from, to);
	return 0;
}

/*
 * dir (the name's of interface ifindex) holds pins whose programs count
 * another interface of this namespace, which had that name when pinned and
 * was renamed since: moved to that one's name.  1 when moved.
 */
static int moved_away(int ifindex, const char *dir)
{
	struct pc_pin_meta m;
	char other[IF_NAMESIZE], to[160];

	if (meta_get(dir, &m) < 0 || m.ifindex == (uint32_t)ifindex || !if_indextoname(m.ifindex, other) ||
	    pins_bound(dir, &m, (int)m.ifindex) != 1)
		return 0;
	return pins_move(dir, other, to, sizeof(to)) == 0;
}

/* A directory of this namespace whose programs count ifindex (renamed since --persist): moved to dir; 1 when found. */
static int adopt_renamed(const char *name, int ifindex, char *dir, size_t size)
{
	char ns[120], path[200];
	struct pc_pin_meta m;
	struct dirent *de;
	DIR *d;
	int found = 0;

	if (netns_dir(ns, sizeof(ns)) < 0 || !(d = opendir(ns)))
		return 0;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.' || (size_t)snprintf(path, sizeof(path), "%s/%s", ns, de->d_name) >= sizeof(path))
			continue;
		found = meta_get(path, &m) == 0 && pins_bound(path, &m, ifindex) == 1;
	}
	closedir(d);
	if (found && pins_move(path, name, dir, size) < 0 && strlen(path) < size)
		memcpy(dir, path, strlen(path) + 1);	/* read where it is */
	return found;
}

/*
 * The pin directory of interface name (index ifindex, 0 when there is no
 * such interface) into dir, following renames: its name's, unless that
 * one counts another interface renamed since; else one that counts it,
 * pinned under its old name.  1 when there is one.  In a PC_PIN_ROOT
 * another user made, none is (root_trusted() said why).
 */
static int pins_find(const char *name, int ifindex, char *dir, size_t size)
{
	if (!bpffs_mounted() || pin_dir(name, dir, size) < 0 || !present(PC_PIN_ROOT) || root_trusted() < 0)
		return 0;
	if (present(dir) && (!ifindex || !moved_away(ifindex, dir)))
		return 1;
	return ifindex && adopt_renamed(name, ifindex, dir, size);
}

int pc_tc_pinned_here(const struct pc_tap *tap)
{
	char dir[160];

	return pins_find(tap->name, tap->ifindex, dir, sizeof(dir));
}

/* ---- reading pinned counters ---- */

/* A run's classes and the pinned ones: adopted when the run names none, else they must agree; a pc_exit. */
static int classes_agree(struct pc_fail *why, const struct pc_tap *tap, const struct pc_pin_meta *m)
{
	unsigned int i;

	if (!pc_classes.n && !pc_classes.filter) {
		pc_classes.c = m->nclasses ? calloc(m->nclasses, sizeof(*pc_classes.c)) : NULL;
		if (m->nclasses && !pc_classes.c)
			return pc_fail(why, PC_EXIT_FAIL, "%s: %s", tap->name, strerror(ENOMEM));
		for (i = 0; i < m->nclasses && i < PC_CLASS_MAX; i++)
			snprintf(pc_classes.c[i].name, sizeof(pc_classes.c[i].name), "%s", m->classes[i]);
		pc_classes.n = i;
		return PC_EXIT_OK;
	}
	for (i = 0; i < pc_classes.n && i < m->nclasses && !strcmp(pc_classes.c[i].name, m->classes[i]); i++)
		;
	if (i == m->nclasses && i == pc_classes.n)
		return PC_EXIT_OK;
	return pc_fail(why, PC_EXIT_USAGE, "%s: its pinned counters count %u classes of their own (pinned with "
		       "--persist): read them without --class and --filter, or pktcount --remove %s first", tap->name,
		       m->nclasses, tap->name);
}

/* The pinned programs in dir count tap, or why not; a pc_exit. */
static int pinned_bound(struct pc_fail *why, const struct pc_tap *tap, const struct pc_pin_meta *m, const char *dir)
{
	int ret = pins_bound(dir, m, tap->ifindex);

	if (ret < 0)
		return pc_fail(why, PC_EXIT_FAIL, "%s: whether the programs pinned at %s count it: %s", tap->name, dir,
			       strerror(-ret));
	if (ret == 0 && m->ifindex != (uint32_t)tap->ifindex)
		return pc_fail(why, PC_EXIT_NOIFACE, "%s: its counters pinned at %s counted the interface of index %u, "
			       "deleted since (%s is index %d now): nothing counts it; pktcount --remove %s clears them",
			       tap->name, dir, m->ifindex, tap->name, tap->ifindex, tap->name);
	if (ret == 0)
		return pc_fail(why, PC_EXIT_NOIFACE, "%s: its counters pinned at %s counted an interface deleted since "
			       "(this %s has its index, %d, but none of the pinned programs): nothing counts it; "
			       "pktcount --remove %s clears them", tap->name, dir, tap->name, tap->ifindex, tap->name);
	return PC_EXIT_OK;
}

static int pinned_check(struct pc_fail *why, const struct pc_tap *tap, const struct pc_pin_meta *m, const char *dir)
{
	int code;

	if (m->layout != PC_PIN_LAYOUT || m->nkeys != PC_NKEYS)
		return pc_fail(why, PC_EXIT_UNSUPPORTED, "%s: %s was pinned by a pktcount of pinned layout %u (%u keys); "
			       "this one reads layout %u (%u keys) and will not misread it: read it with that pktcount, "
			       "or pktcount --remove %s", tap->name, dir, m->layout, m->nkeys, PC_PIN_LAYOUT, PC_NKEYS,
			       tap->name);
	if ((code = pinned_bound(why, tap, m, dir)))
		return code;
	if (tap->by != PC_BY_PROTO)
		return pc_fail(why, PC_EXIT_USAGE, "%s: its pinned counters count protocols and classes, not --by "
			       "entries", tap->name);
	return classes_agree(why, tap, m);
}

static const char *map_type_name(uint32_t type)
{
	return type == BPF_MAP_TYPE_ARRAY ? "ARRAY" : type == BPF_MAP_TYPE_PERCPU_ARRAY ? "PERCPU_ARRAY" : "map";
}

/*
 * The map pinned at dir/name, of the shape pktcount pinned, into *fd, or
 * why not; a pc_exit.  Checked before the first read: a lookup writes the
 * map's value size (times the CPUs of a per-CPU map) into pktcount's
 * buffer, whatever it expected.
 */
static int pinned_map(struct pc_fail *why, const struct pc_tap *tap, const char *dir, const char *name,
		      const struct pc_map_shape *want, int *fd)
{
	struct pc_map_shape got;
	int ret;

	if ((*fd = get_at(dir, name)) < 0)
		return pc_fail(why, PC_EXIT_FAIL, "%s: reading %s/%s: %s", tap->name, dir, name, strerror(errno));
	if ((ret = pc_bpf_map_shape(*fd, &got)) < 0 && ret != -EINVAL)
		return pc_fail(why, PC_EXIT_FAIL, "%s: %s/%s: its shape: %s", tap->name, dir, name, strerror(-ret));
	if (ret == 0 && !memcmp(&got, want, sizeof(got)))
		return PC_EXIT_OK;
	if (ret)
		return pc_fail(why, PC_EXIT_UNSUPPORTED, "%s: %s/%s is not a map: refusing to read it; pktcount "
			       "--remove %s clears it", tap->name, dir, name, tap->name);
	return pc_fail(why, PC_EXIT_UNSUPPORTED, "%s: %s/%s is a%s %s (type %u) of %u-byte keys, %u-byte values, "
		       "%u entries, not the %s of %u-byte keys, %u-byte values, %u entries pktcount pinned: refusing "
		       "to read it; pktcount --remove %s clears it", tap->name, dir, name,
		       got.type == BPF_MAP_TYPE_ARRAY ? "n" : "", map_type_name(got.type), got.type, got.key, got.value,
		       got.entries, map_type_name(want->type), want->key, want->value, want->entries, tap->name);
}

/* The pinned counters (and classes) of dir as m describes them into e; a pc_exit. */
static int pinned_maps(struct pc_fail *why, const struct pc_tap *tap, const struct pc_pin_meta *m, const char *dir,
		       struct pc_ebpf *e)
{
	struct pc_map_shape want = { m->percpu ? BPF_MAP_TYPE_PERCPU_ARRAY : BPF_MAP_TYPE_ARRAY, sizeof(uint32_t),
				     sizeof(struct pc_counter), PC_MAP0_SLOTS };
	int code = pinned_map(why, tap, dir, "counters", &want, &e->map_fd);

	want.entries = PC_DIR_COUNT * (m->nclasses + 1);	/* pc_class_rows() of its classes */
	if (!code && m->nclasses)
		code = pinned_map(why, tap, dir, "classes", &want, &e->cls_fd);
	return code;
}

static int pinned_open(struct pc_tap *tap, struct pc_fail *why)
{
	struct pc_pin_meta m;
	struct pc_ebpf *e;
	char dir[160];
	int code;

	if (!pins_find(tap->name, tap->ifindex, dir, sizeof(dir)))
		return pc_fail(why, PC_EXIT_NOIFACE, "%s: its pinned state is gone", tap->name);
	if ((code = meta_read(why, tap->name, dir, &m)) || (code = pinned_check(why, tap, &m, dir)))
		return code;
	/* the counters alone: closing them detaches nothing, the programs count on */
	e = tap->priv = pc_ebpf_alloc(sizeof(*e));
	if (!e)
		return pc_fail(why, PC_EXIT_FAIL, "%s: %s", tap->name, strerror(ENOMEM));
	if ((code = pc_ebpf_new(tap, (int)m.percpu, why)) || (code = pinned_maps(why, tap, &m, dir, e)))
		goto fail;
	tap->unit = m.unit ? PC_UNIT_WIRE : PC_UNIT_SKB;
	e->unit_why = "as the pinned program counts";
	snprintf(e->detail, sizeof(e->detail), "pinned: %.40s", m.detail);
	pc_log("%s: reading the counters pinned at %s (%s) %llu seconds ago", tap->name, dir, m.detail,
	       (unsigned long long)((uint64_t)time(NULL) - m.pinned_at));
	return PC_EXIT_OK;
fail:
	pc_ebpf_free(tap);
	return code;
}

/*
 * Its row in the table of modes is "pinned" (src/modes.c: -v, what the
 * loop keeps); what it reports as its mode is "tc": the counts are made by
 * tc mode's programs at the tc hooks, in tc's units, and a series goes on
 * under the same mode label across a --persist.
 */
const struct pc_backend pc_pinned_backend = {
	.name = "tc",
	.open = pinned_open,
	.read = pc_ebpf_read,
	.close = pc_ebpf_free,
};

/*
 * The pinned mode's claim (src/modes.c): an interface counted with no
 * process since a --persist is read, whatever mode was asked; a --persist
 * on it is refused, unless its pins count nothing (gone meanwhile).
 */
int pc_pinned_claims(const struct pc_tap *tap, struct pc_fail *why)
{
	if (!pc_tc_pinned_here(tap))
		return 0;
	if (!tap->cfg->persist)
		return 1;
	return pc_tc_persist_refused(tap, why) ? -1 : 0;
}

int pc_tc_persist_refused(const struct pc_tap *tap, struct pc_fail *why)
{
	struct pc_pin_meta m;
	char dir[160];
	int code;

	if (!pins_find(tap->name, tap->ifindex, dir, sizeof(dir)))
		return PC_EXIT_OK;
	if ((code = meta_read(why, tap->name, dir, &m)) || (code = pinned_bound(why, tap, &m, dir)))
		return code;
	return pc_fail(why, PC_EXIT_USAGE, "%s: pinned already (%s): pktcount %s reads it, pktcount --remove %s "
		       "stops it", tap->name, dir, tap->name, tap->name);
}

/* ---- --remove ---- */

static int del_ours(const struct pc_tc_info *fi, void *arg)
{
	struct our_filter *o = arg;
	struct pc_tc_filter f = { o->ifindex, o->egress, fi->prio, fi->handle };

	if (is_ours(fi, o) && pc_tc_filter_del(&f) == 0)
		o->removed++;
	return 0;
}

/*
 * The clsact filters the pinned programs are in, deleted; the qdisc too
 * when a pktcount made it and it is empty (pc_tc_clsact_release()), under
 * pktcounts' lock.  Before 4.19 the meta says whether the --persist made
 * it, and finding the pinned filters on it that it is still that qdisc.
 * Quietly: what is pinned goes whatever the filters did, and --remove says
 * what is left.
 */
static void remove_clsact(const char *dir, const struct pc_pin_meta *m)
{
	int lock = pc_tc_clsact_lock((int)m->ifindex), removed = 0, d;

	for (d = 0; d < 2; d++) {
		struct our_filter o;

		our_filter(dir, m, d, &o);
		pc_tc_filters_each((int)m->ifindex, d, del_ours, &o);
		removed += o.removed;
	}
	pc_tc_clsact_release((int)m->ifindex, m->qdisc_created && removed);
	pc_tc_clsact_unlock(lock);
}

/* The pin directory --remove NAME means, following renames while the interface is there; 1 when there is one. */
static int remove_dir(const char *ifname, char *dir, size_t size)
{
	return pins_find(ifname, (int)if_nametoindex(ifname), dir, size);
}

/* What --persist pinned in dir, detached and unpinned; the entries left (said). */
static int remove_pins(const char *dir)
{
	struct pc_pin_meta m;

	/*
	 * Without a description (a --persist that did not finish) the pins
	 * still go, tcx links with them.  Filters only where the pinned
	 * programs still are: an interface deleted since took its own, and a
	 * new one of its index may carry another pktcount's.
	 */
	if (meta_get(dir, &m) == 0 && m.kind == PC_TC_CLSACT && pins_bound(dir, &m, (int)m.ifindex) == 1)
		remove_clsact(dir, &m);
	return unpin_all(dir);
}

int pc_tc_remove(const char *ifname)
{
	char dir[160];

	if (!ifname_ok(ifname)) {
		pc_err("--remove '%.32s': not a name an interface can have", ifname);
		return PC_EXIT_USAGE;
	}
	if (!bpffs_mounted()) {
		pc_err("%s: bpffs is not mounted at " PC_PIN_FS ": nothing is pinned", ifname);
		return PC_EXIT_NOIFACE;
	}
	if (present(PC_PIN_ROOT) && root_trusted() < 0)
		return PC_EXIT_FAIL;
	if (!remove_dir(ifname, dir, sizeof(dir))) {
		pc_err("%s: nothing is pinned for it in this network namespace", ifname);
		return PC_EXIT_NOIFACE;
	}
	if (remove_pins(dir)) {
		pc_err("%s: %s is left with what is named above: pktcount's own pins are gone, the rest is not "
		       "pktcount's to remove", ifname, dir);
		return PC_EXIT_FAIL;
	}
	printf("%s: detached and unpinned (%s)\n", ifname, dir);
	return PC_EXIT_OK;
}

/* ---- --remove-stale ---- */

/*
 * One interface's pins in dir, of the network namespace this process is
 * in, unpinned when their programs count nothing: the interface was
 * deleted (renamed ones are followed by index).  A directory without
 * pktcount's description (a --persist that did not finish) goes when no
 * interface has its name.  1 when unpinned.
 */
static int sweep_iface(const char *dir)
{
	const char *name = strrchr(dir, '/') + 1;
	struct pc_pin_meta m;
	int ret = meta_get(dir, &m);

	if (ret == 0 ? pins_bound(dir, &m, (int)m.ifindex) != 0 : if_nametoindex(name) != 0)
		return 0;
	printf("%s: %s: unpinned\n", dir, ret == 0 ? "its interface is gone" : "incomplete, and no interface has its name");
	return remove_pins(dir) == 0;
}

/* Every interface directory of netns directory ns through fn; the count fn returned 1 for. */
static int each_iface(const char *ns, int (*fn)(const char *dir))
{
	char path[200];
	struct dirent *de;
	DIR *d = opendir(ns);
	int n = 0;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && (size_t)snprintf(path, sizeof(path), "%s/%s", ns, de->d_name) < sizeof(path))
			n += fn(path);
	if (d)
		closedir(d);
	return n;
}

/* An interface directory of a network namespace that is gone: unpinned (its devices and their filters went with it). */
static int sweep_gone(const char *dir)
{
	printf("%s: its network namespace is gone: unpinned\n", dir);
	return unpin_all(dir) == 0;
}

/*
 * A path to the network namespace of inode ino (a bind mount under
 * /run/netns, or a process's); 1 when found.  The inode is nsfs's (the
 * device of this process's own namespace file): a file elsewhere with that
 * number is not a namespace.
 */
static int netns_path(unsigned long long ino, char *path, size_t size)
{
	static const char *const where[] = { "/run/netns", "/proc" };
	struct stat self, st;
	struct dirent *de;
	int i, found = 0;

	if (stat("/proc/self/ns/net", &self) < 0)
		return 0;
	for (i = 0; i < 2 && !found; i++) {
		DIR *d = opendir(where[i]);

		while (d && !found && (de = readdir(d))) {
			if (de->d_name[0] == '.' || (i == 1 && !strspn(de->d_name, "0123456789")))
				continue;
			snprintf(path, size, i ? "%s/%s/ns/net" : "%s/%s", where[i], de->d_name);
			found = stat(path, &st) == 0 && st.st_ino == ino && st.st_dev == self.st_dev;
		}
		if (d)
			closedir(d);
	}
	return found;
}

/*
 * The pins of a network namespace this process is not in: swept from
 * inside it (a child that joins it: setns() needs CAP_SYS_ADMIN, which
 * --remove-stale has, as root), or all unpinned when no process or name
 * holds it any more.  The count unpinned.
 */
static int sweep_netns(const char *ns, unsigned long long ino)
{
	char path[300];
	int st, fd, n;
	pid_t pid;

	if (!netns_path(ino, path, sizeof(path)))
		return each_iface(ns, sweep_gone);
	fflush(stdout);	/* not printed twice */
	pid = fork();
	if (pid < 0) {
		pc_err("--remove-stale: fork: %s", strerror(errno));
		return 0;
	}
	if (pid == 0) {
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
			pc_err("--remove-stale: joining the network namespace %s of %s: %s", path, ns, strerror(errno));
			_exit(255);
		}
		n = each_iface(ns, sweep_iface);
		fflush(stdout);	/* _exit() flushes nothing */
		_exit(n & 0x7f);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) == 255)
		return 0;
	return WEXITSTATUS(st);
}

int pc_tc_remove_stale(void)
{
	char here[120], ns[200];
	struct dirent *de;
	DIR *d;
	int n = 0;

	if (!bpffs_mounted() || !present(PC_PIN_ROOT)) {
		printf("--remove-stale: nothing is pinned\n");
		return PC_EXIT_OK;
	}
	if (root_trusted() < 0)
		return PC_EXIT_FAIL;
	if (netns_dir(here, sizeof(here)) < 0 || !(d = opendir(PC_PIN_ROOT))) {
		pc_err("--remove-stale: " PC_PIN_ROOT ": %s", strerror(errno));
		return PC_EXIT_FAIL;
	}
	while ((de = readdir(d))) {
		unsigned long long ino;

		if (sscanf(de->d_name, "net%llu", &ino) != 1 ||
		    (size_t)snprintf(ns, sizeof(ns), PC_PIN_ROOT "/%s", de->d_name) >= sizeof(ns))
			continue;
		n += strcmp(ns, here) ? sweep_netns(ns, ino) : each_iface(ns, sweep_iface);
		rmdir(ns);	/* fails while one of its interfaces is pinned: meant */
	}
	closedir(d);
	printf("--remove-stale: %d unpinned\n", n);
	return PC_EXIT_OK;
}
