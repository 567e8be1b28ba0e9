// SPDX-License-Identifier: GPL-2.0
/*
 * tc mode: the socket mode's counting variants as SCHED_CLS programs, one on
 * the interface's ingress (rx) and one on its egress (tx), counting into the
 * same maps the socket's would (pc_prog_place(): same instructions, the
 * direction from the hook, TC_ACT_UNSPEC out).  No packet socket: nothing
 * is cloned for a tap on transmit (dev_queue_xmit_nit()) and no tap is
 * walked on receive.
 *
 * Attached through tcx links on 6.6+ (first on ingress, last on egress;
 * other programs keep running, in their order), else through a cls_bpf
 * filter on clsact (4.5+, src/tcnl.c), the qdisc made only when missing.
 * Either way pktcount's program returns TC_ACT_UNSPEC (TCX_NEXT) and every
 * filter and program after it runs as if it were not there.
 *
 * --persist pins the maps (and tcx links) under PC_PIN_ROOT (src/tc.h) and
 * leaves the programs attached: counting goes on with no process.  Any
 * later pktcount on that interface reads the pinned counters (the pinned
 * back end) instead of attaching again; --remove detaches and unpins.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "bpf.h"
#include "ebpf_by.h"
#include "tc.h"

int pc_tc_persisting;
enum pc_tc_kind pc_tc_attach;
/* without --tc-attach: clsact rather than tcx, for a count of interfaces past PC_TCX_MOST */
static int clsact_for_scale;

void pc_tc_choose(int ntaps)
{
	if (pc_tc_attach != PC_TC_NONE || ntaps <= PC_TCX_MOST)
		return;
	/*
	 * Making a tcx link and letting it go each wait for an RCU grace
	 * period while holding the RTNL lock (kernel/bpf/tcx.c:
	 * tcx_link_prog_attach() and tcx_link_release() call tcx_entry_sync(),
	 * synchronize_rcu()): one interface after another, whatever the
	 * threads, and every other rtnetlink user of the machine waits too
	 * (a thousand interfaces: 30 s at start and at exit on 2 CPUs).  A
	 * cls_bpf filter is freed after a grace period without waiting for it
	 * (cls_bpf_delete() queues tcf_queue_work()).
	 */
	clsact_for_scale = 1;
	pc_err("tc mode: %d interfaces: clsact filters rather than tcx links, which each wait for an RCU grace "
	       "period under the RTNL lock when made and when let go (--tc-attach tcx insists)", ntaps);
}

static const char *const hook[2] = { "ingress", "egress" };

/* ---- attaching ---- */

/*
 * Both programs as tcx links; 0, or -errno of the first that failed
 * (EINVAL: no tcx here), with no link left: clsact may count instead.
 */
static int attach_tcx(struct pc_tap *tap, struct pc_ebpf *e)
{
	int d, err;

	for (d = 0; d < 2; d++) {
		e->tc_link[d] = pc_bpf_tcx_attach(e->tc_prog[d], tap->ifindex, d);
		if (e->tc_link[d] < 0)
			break;
	}
	if (d == 2) {
		e->tc_kind = PC_TC_TCX;
		return 0;
	}
	err = e->tc_link[d];
	for (d = 0; d < 2; d++) {
		if (e->tc_link[d] >= 0)
			close(e->tc_link[d]);
		e->tc_link[d] = -1;
	}
	return err;
}

/* One line for a failed rtnetlink tc request; its pc_exit. */
static int tc_refused(const struct pc_tap *tap, const char *what, int err)
{
	const char *hint = err == EBUSY ? ": an ingress qdisc holds clsact's place (tc qdisc show dev IFACE)"
			 : err == EPERM ? ": needs CAP_NET_ADMIN" : err == EOPNOTSUPP || err == ENOENT
			 ? ": this kernel lacks clsact or cls_bpf (4.5+, CONFIG_NET_SCH_INGRESS, CONFIG_NET_CLS_BPF)" : "";

	pc_err("%s: %s: %s (%s)%s", tap->name, what, strerror(err), pc_errno_name(err), hint);
	return err == EPERM ? PC_EXIT_PRIV : err == ENODEV ? PC_EXIT_NOIFACE
	       : err == EOPNOTSUPP || err == ENOENT ? PC_EXIT_UNSUPPORTED : PC_EXIT_FAIL;
}

/* Both programs as cls_bpf filters on clsact, which is made only when missing; a pc_exit. */
static int attach_clsact(struct pc_tap *tap, struct pc_ebpf *e)
{
	int ret = pc_tc_clsact_ensure(tap->ifindex), d;

	if (ret < 0)
		return tc_refused(tap, "adding the clsact qdisc", -ret);
	e->tc_kind = PC_TC_CLSACT;
	e->tc_qdisc = ret == 1;
	for (d = 0; d < 2; d++) {
		ret = pc_tc_filter_add(tap->ifindex, d, e->tc_prog[d], "pktcount", &e->tc_filt[d]);
		if (ret < 0) {
			char what[64];

			snprintf(what, sizeof(what), "adding a bpf filter on clsact %s", hook[d]);
			return tc_refused(tap, what, -ret);
		}
		e->tc_added[d] = 1;
	}
	return PC_EXIT_OK;
}

/* What pktcount added to clsact, removed: its filters, and the qdisc when it made it and nothing else is on it. */
static void detach_clsact(struct pc_tap *tap, struct pc_ebpf *e)
{
	int d, ret;

	for (d = 0; d < 2; d++) {
		if (!e->tc_added[d])
			continue;
		ret = pc_tc_filter_del(&e->tc_filt[d]);
		if (ret < 0 && ret != -ENOENT)
			pc_err("%s: removing pktcount's filter from clsact %s: %s; `tc filter del dev %s %s prio %u` "
			       "removes it", tap->name, hook[d], strerror(-ret), tap->name, hook[d], e->tc_filt[d].prio);
		e->tc_added[d] = 0;
	}
	if (e->tc_qdisc && pc_tc_filters_count(tap->ifindex) == 0 && (ret = pc_tc_clsact_del(tap->ifindex)) < 0 &&
	    ret != -ENOENT)
		pc_err("%s: removing the clsact qdisc pktcount added: %s", tap->name, strerror(-ret));
	e->tc_qdisc = 0;
}

static void tc_close(struct pc_tap *tap)
{
	struct pc_ebpf *e = tap->priv;
	int d;

	if (!e)
		return;
	/*
	 * A tcx link detaches with its last reference: a pinned one stays.  A
	 * deleted device took its qdiscs and their filters with it
	 * (unregister_netdevice() -> dev_shutdown()): nothing to ask rtnetlink,
	 * whose lock a burst of deletions would otherwise queue on, and an index
	 * the kernel may give the next device is left alone.
	 */
	if (e->tc_kind == PC_TC_CLSACT && !e->tc_keep && !tap->gone)
		detach_clsact(tap, e);
	for (d = 0; d < 2; d++) {
		if (e->tc_link[d] >= 0)
			close(e->tc_link[d]);
		if (e->tc_prog[d] >= 0)
			close(e->tc_prog[d]);
	}
	pc_ebpf_free(tap);
}

/*
 * The device went away: its tcx links are detached already (tcx_uninstall()
 * at unregister, so closing them waits for nothing) and its clsact with its
 * filters is gone; the programs and maps name no device and are kept for
 * one of the same name in this batch: a burst of re-created interfaces is
 * then attached without verifying two programs each again.  Classes may
 * hold the device's index (SKF_AD_IFINDEX, src/cbpf_ebpf.c): loaded anew.
 */
static int tc_park(struct pc_tap *tap)
{
	struct pc_ebpf *e = tap->priv;
	int d;

	if (!e || e->tc_keep || pc_classes.n || pc_classes.filter)
		return 0;
	for (d = 0; d < 2; d++) {
		if (e->tc_link[d] >= 0)
			close(e->tc_link[d]);
		e->tc_link[d] = -1;
		e->tc_added[d] = 0;
	}
	e->tc_qdisc = 0;
	e->parked_link = tap->link;
	return 1;
}

/* The tap's programs: those it parked, when they read this device's link type, or loaded now; a pc_exit. */
static int tc_programs(struct pc_tap *tap)
{
	struct pc_ebpf *e = tap->priv;
	int code = PC_EXIT_OK, d;

	if (tap->parked) {
		tap->parked = 0;
		if (e && e->parked_link == tap->link)
			return PC_EXIT_OK;
		tc_close(tap);
	}
	code = pc_ebpf_setup(tap);
	e = tap->priv;
	for (d = 0; d < 2 && !code; d++)
		code = pc_ebpf_load(tap, d ? PC_AT_TC_EGRESS : PC_AT_TC_INGRESS, BPF_PROG_TYPE_SCHED_CLS,
				    &e->tc_prog[d]);
	return code;
}

static int tc_open(struct pc_tap *tap)
{
	struct pc_ebpf *e;
	int code, err;

	tap->sock = -1;
	code = tc_programs(tap);
	e = tap->priv;
	if (code)
		goto fail;
	err = pc_tc_attach == PC_TC_CLSACT || clsact_for_scale ? EINVAL : -attach_tcx(tap, e);
	if (err == EINVAL && pc_tc_attach == PC_TC_TCX) {
		pc_err("bpf(BPF_LINK_CREATE) tcx on %s: %s (EINVAL): this kernel has no tcx links (6.6+); "
		       "--tc-attach clsact", tap->name, strerror(err));
		code = PC_EXIT_UNSUPPORTED;
	} else if (err == EINVAL) {
		/* before 6.6 BPF_LINK_CREATE knows no tcx attach type (and before 5.7 no such command) */
		pc_log("%s: %s: a clsact filter", tap->name, pc_tc_attach == PC_TC_CLSACT ? "--tc-attach clsact"
							     : clsact_for_scale ? "many interfaces" : "no tcx links (6.6+)");
		code = attach_clsact(tap, e);
	} else if (err) {
		code = err == ENODEV ? PC_EXIT_NOIFACE : pc_ebpf_explain("bpf(BPF_LINK_CREATE) tcx on", tap->name, err);
	}
	if (code)
		goto fail;
	/* "tce_eth_wire, 249 insns" (the egress program's) -> "tc_eth_wire, 249 insns, tcx": both hooks */
	memmove(tap->detail + 2, tap->detail + 3, strlen(tap->detail + 3) + 1);
	snprintf(tap->detail + strlen(tap->detail), sizeof(tap->detail) - strlen(tap->detail), ", %s",
		 e->tc_kind == PC_TC_TCX ? "tcx" : "clsact");
	pc_log("%s: tc (%s, %s); counts in %s units", tap->name, tap->detail,
	       e->percpu ? "PERCPU_ARRAY" : "ARRAY+XADD", pc_unit_name(tap->unit));
	return PC_EXIT_OK;
fail:
	tc_close(tap);
	return code;
}

const struct pc_backend pc_tc_backend = {
	.name = "tc",
	.open = tc_open,
	.read = pc_ebpf_read,
	.prepare = pc_ebpf_prepare,
	.close = tc_close,
	.park = tc_park,
};

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

/* The pin directory of interface ifname in this network namespace; 0 or -errno. */
static int pin_dir(const char *ifname, char *out, size_t size)
{
	struct stat st;

	if (!ifname_ok(ifname))
		return -EINVAL;
	if (stat("/proc/self/ns/net", &st) < 0)
		return -errno;
	if ((size_t)snprintf(out, size, PC_PIN_ROOT "/net%llu/%s", (unsigned long long)st.st_ino, ifname) >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int bpffs_mounted(void)
{
	struct statfs sf;

	return statfs(PC_PIN_FS, &sf) == 0 && (unsigned long)sf.f_type == BPF_FS_MAGIC;
}

/* Whether this process shares the mount namespace of PID 1 (1 when that cannot be told). */
static int init_mount_ns(void)
{
	struct stat self, init;

	return stat("/proc/self/ns/mnt", &self) < 0 || stat("/proc/1/ns/mnt", &init) < 0 ||
	       (self.st_ino == init.st_ino && self.st_dev == init.st_dev);
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
	if (!init_mount_ns()) {
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

int pc_tc_pinned_here(const struct pc_tap *tap)
{
	char dir[160];
	struct stat st;

	return bpffs_mounted() && pin_dir(tap->name, dir, sizeof(dir)) == 0 && stat(dir, &st) == 0;
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

/* Everything in dir unpinned, dir and its namespace's directory removed when empty. */
static void unpin_all(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[200], *slash;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && unlinkat(dirfd(d), de->d_name, 0) < 0)
			pc_err("unpinning %s/%s: %s", dir, de->d_name, strerror(errno));
	if (d)
		closedir(d);
	if (rmdir(dir) < 0 && errno != ENOENT)
		pc_err("removing %s: %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s", dir);
	slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		rmdir(path);	/* fails while another interface of the namespace is pinned: meant */
	}
}

/* ---- --persist ---- */

static int mkdirs(const char *dir)
{
	char path[160];
	char *p;

	snprintf(path, sizeof(path), "%s", dir);
	for (p = path + strlen(PC_PIN_FS) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(path, 0700) < 0 ? -errno : 0;
}

static void meta_fill(const struct pc_tap *tap, const struct pc_ebpf *e, struct pc_pin_meta *m)
{
	unsigned int i;

	m->magic = PC_PIN_MAGIC;
	m->layout = PC_PIN_LAYOUT;
	m->ifindex = (uint32_t)tap->ifindex;
	m->kind = (uint32_t)e->tc_kind;
	m->percpu = (uint32_t)e->percpu;
	m->unit = tap->unit;
	m->nkeys = PC_NKEYS;
	m->nclasses = pc_classes.n;
	m->prio[0] = e->tc_filt[0].prio;
	m->prio[1] = e->tc_filt[1].prio;
	m->qdisc_created = (uint32_t)e->tc_qdisc;
	m->filtered = pc_classes.filter != NULL;
	m->pinned_at = (uint64_t)time(NULL);
	snprintf(m->detail, sizeof(m->detail), "%s", tap->detail);
	for (i = 0; i < pc_classes.n; i++)
		snprintf(m->classes[i], sizeof(m->classes[i]), "%s", pc_classes.c[i].name);
}

/* The meta map, filled, pinned last: its presence says the rest is there. */
static int pin_meta(const struct pc_tap *tap, const struct pc_ebpf *e, const char *dir)
{
	uint8_t *val = calloc(1, PC_PIN_META_SIZE);
	uint32_t key = 0;
	int fd = pc_bpf_map_create(BPF_MAP_TYPE_ARRAY, sizeof(key), PC_PIN_META_SIZE, 1, "pktcount_meta"), ret;

	if (!val || fd < 0) {
		ret = fd < 0 ? -errno : -ENOMEM;
		pc_err("%s: the pinned state's description: %s", tap->name, strerror(-ret));
	} else {
		meta_fill(tap, e, (struct pc_pin_meta *)val);
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

static int pin_tap(const struct pc_tap *tap, const struct pc_ebpf *e, const char *dir)
{
	int d;

	if (pin_at(e->map_fd, dir, "counters") < 0 || (e->cls_fd >= 0 && pin_at(e->cls_fd, dir, "classes") < 0))
		return -1;
	for (d = 0; d < 2; d++) {
		char name[24];

		snprintf(name, sizeof(name), "prog_%s", hook[d]);
		if (pin_at(e->tc_prog[d], dir, name) < 0)
			return -1;
		snprintf(name, sizeof(name), "link_%s", hook[d]);
		if (e->tc_link[d] >= 0 && pin_at(e->tc_link[d], dir, name) < 0)
			return -1;
	}
	return pin_meta(tap, e, dir);
}

int pc_tc_persist(struct pc_tap *tap)
{
	struct pc_ebpf *e = tap->priv;
	char dir[160];
	int ret, code;

	if (tap->be != &pc_tc_backend || !e) {
		pc_err("%s: --persist needs tc mode", tap->name);
		return PC_EXIT_USAGE;
	}
	if ((code = bpffs_ready()))
		return code;
	if ((ret = pin_dir(tap->name, dir, sizeof(dir))) < 0 || (ret = mkdirs(dir)) < 0) {
		pc_err("%s: %s: %s%s", tap->name, ret == -ENAMETOOLONG ? "the pin directory" : dir, strerror(-ret),
		       ret == -EEXIST ? ": pinned already (pktcount --remove IFACE first)" : "");
		return ret == -EEXIST ? PC_EXIT_USAGE : PC_EXIT_FAIL;
	}
	if (pin_tap(tap, e, dir) < 0) {
		unpin_all(dir);
		return PC_EXIT_FAIL;
	}
	e->tc_keep = 1;
	printf("%s: counting with no process (%s); counters pinned at %s; pktcount %s reads them, "
	       "pktcount --remove %s stops it\n", tap->name, tap->detail, dir, tap->name, tap->name);
	return PC_EXIT_OK;
}

/* ---- reading pinned counters ---- */

/* The pinned description of dir into m; a pc_exit, said why. */
static int meta_read(const char *name, const char *dir, struct pc_pin_meta *m)
{
	uint8_t *val = calloc(1, PC_PIN_META_SIZE);
	uint32_t key = 0, info[4];
	int fd = get_at(dir, "meta"), code = PC_EXIT_OK;

	if (fd < 0) {
		pc_err("%s: %s holds no complete pinned state (a --persist that did not finish?): "
		       "pktcount --remove %s clears it", name, dir, name);
		free(val);
		return PC_EXIT_FAIL;
	}
	/* the value size first where the kernel tells it (4.13+): a lookup writes that much */
	if (!val || (pc_bpf_obj_info(fd, info, 4) == 0 && info[3] != PC_PIN_META_SIZE) ||
	    pc_bpf_map_lookup(fd, &key, val) < 0 || ((struct pc_pin_meta *)val)->magic != PC_PIN_MAGIC) {
		pc_err("%s: %s/meta is not pktcount's pinned state: refusing to read it", name, dir);
		code = PC_EXIT_FAIL;
	} else {
		memcpy(m, val, sizeof(*m));
	}
	close(fd);
	free(val);
	return code;
}

/* A run's classes and the pinned ones: adopted when the run names none, else they must agree. */
static int classes_agree(const struct pc_tap *tap, const struct pc_pin_meta *m)
{
	unsigned int i;

	if (!pc_classes.n && !pc_classes.filter) {
		pc_classes.c = m->nclasses ? calloc(m->nclasses, sizeof(*pc_classes.c)) : NULL;
		if (m->nclasses && !pc_classes.c)
			return PC_EXIT_FAIL;
		for (i = 0; i < m->nclasses && i < PC_CLASS_MAX; i++)
			snprintf(pc_classes.c[i].name, sizeof(pc_classes.c[i].name), "%s", m->classes[i]);
		pc_classes.n = i;
		return PC_EXIT_OK;
	}
	for (i = 0; i < pc_classes.n && i < m->nclasses && !strcmp(pc_classes.c[i].name, m->classes[i]); i++)
		;
	if (i == m->nclasses && i == pc_classes.n)
		return PC_EXIT_OK;
	pc_err("%s: its pinned counters count %u classes of their own (pinned with --persist): "
	       "read them without --class and --filter, or pktcount --remove %s first", tap->name, m->nclasses,
	       tap->name);
	return PC_EXIT_USAGE;
}

static int pinned_check(const struct pc_tap *tap, const struct pc_pin_meta *m, const char *dir)
{
	if (m->layout != PC_PIN_LAYOUT || m->nkeys != PC_NKEYS) {
		pc_err("%s: %s was pinned by a pktcount of pinned layout %u (%u keys); this one reads layout %u "
		       "(%u keys) and will not misread it: read it with that pktcount, or pktcount --remove %s",
		       tap->name, dir, m->layout, m->nkeys, PC_PIN_LAYOUT, PC_NKEYS, tap->name);
		return PC_EXIT_UNSUPPORTED;
	}
	if (m->ifindex != (uint32_t)tap->ifindex) {
		pc_err("%s: its counters pinned at %s counted the interface of index %u, deleted since (%s is "
		       "index %d now): nothing counts it; pktcount --remove %s clears them", tap->name, dir,
		       m->ifindex, tap->name, tap->ifindex, tap->name);
		return PC_EXIT_NOIFACE;
	}
	if (tap->by != PC_BY_PROTO) {
		pc_err("%s: its pinned counters count protocols and classes, not --by entries", tap->name);
		return PC_EXIT_USAGE;
	}
	return classes_agree(tap, m);
}

static int pinned_open(struct pc_tap *tap)
{
	struct pc_pin_meta m;
	struct pc_ebpf *e;
	char dir[160];
	int code, ret;

	tap->sock = -1;
	if ((ret = pin_dir(tap->name, dir, sizeof(dir))) < 0) {
		pc_err("%s: the pin directory: %s", tap->name, strerror(-ret));
		return PC_EXIT_FAIL;
	}
	if ((code = meta_read(tap->name, dir, &m)) || (code = pinned_check(tap, &m, dir)) ||
	    (code = pc_ebpf_new(tap, (int)m.percpu)))
		goto fail;
	e = tap->priv;
	e->tc_keep = 1;
	e->map_fd = get_at(dir, "counters");
	if (e->map_fd < 0 || (m.nclasses && (e->cls_fd = get_at(dir, "classes")) < 0)) {
		pc_err("%s: reading %s: %s", tap->name, dir, strerror(errno));
		code = PC_EXIT_FAIL;
		goto fail;
	}
	tap->unit = m.unit ? PC_UNIT_WIRE : PC_UNIT_SKB;
	tap->unit_why = "as the pinned program counts";
	snprintf(tap->detail, sizeof(tap->detail), "pinned: %.40s", m.detail);
	pc_log("%s: reading the counters pinned at %s (%s) %llu seconds ago", tap->name, dir, m.detail,
	       (unsigned long long)((uint64_t)time(NULL) - m.pinned_at));
	return PC_EXIT_OK;
fail:
	pc_ebpf_free(tap);
	return code;
}

const struct pc_backend pc_pinned_backend = {
	.name = "tc",
	.open = pinned_open,
	.read = pc_ebpf_read,
	.close = pc_ebpf_free,
};

/* ---- --remove ---- */

struct our_filter {
	uint32_t id;		/* the pinned program's id (0: unknown before 4.13) */
	uint32_t prio;		/* the priority the meta recorded */
	int ifindex, egress;
	int removed;
};

static int del_ours(const struct pc_tc_info *fi, void *arg)
{
	struct our_filter *o = arg;
	struct pc_tc_filter f = { o->ifindex, o->egress, fi->prio, fi->handle };

	/* pktcount's by its program's id; without ids (before 4.13) by its priority and name */
	if (strcmp(fi->kind, "bpf") || (o->id ? fi->bpf_id != o->id : fi->prio != o->prio || strcmp(fi->bpf_name, "pktcount")))
		return 0;
	if (pc_tc_filter_del(&f) == 0)
		o->removed++;
	return 0;
}

/* The clsact filters the pinned programs are in, deleted; the qdisc too when pktcount made it and it is empty. */
static void remove_clsact(const char *dir, const struct pc_pin_meta *m)
{
	int d, fd;

	for (d = 0; d < 2; d++) {
		char name[24];
		uint32_t info[2] = { 0, 0 };
		struct our_filter o = { 0, m->prio[d], (int)m->ifindex, d, 0 };

		snprintf(name, sizeof(name), "prog_%s", hook[d]);
		if ((fd = get_at(dir, name)) >= 0) {
			if (pc_bpf_obj_info(fd, info, 2) == 0)
				o.id = info[1];
			close(fd);
		}
		pc_tc_filters_each((int)m->ifindex, d, del_ours, &o);
	}
	if (m->qdisc_created && pc_tc_filters_count((int)m->ifindex) == 0)
		pc_tc_clsact_del((int)m->ifindex);
}

int pc_tc_remove(const char *ifname)
{
	struct pc_pin_meta m;
	char dir[160];
	struct stat st;
	int ret;

	if (!ifname_ok(ifname)) {
		pc_err("--remove '%.32s': not a name an interface can have", ifname);
		return PC_EXIT_USAGE;
	}
	if (!bpffs_mounted()) {
		pc_err("%s: bpffs is not mounted at " PC_PIN_FS ": nothing is pinned", ifname);
		return PC_EXIT_NOIFACE;
	}
	if ((ret = pin_dir(ifname, dir, sizeof(dir))) < 0 || stat(dir, &st) < 0) {
		pc_err("%s: nothing is pinned for it in this network namespace (%s)", ifname,
		       ret < 0 ? strerror(-ret) : dir);
		return PC_EXIT_NOIFACE;
	}
	/* without a description (a --persist that did not finish) the pins still go; tcx links with them */
	pc_soft_errors = 1;
	if (meta_read(ifname, dir, &m) == PC_EXIT_OK && m.kind == PC_TC_CLSACT)
		remove_clsact(dir, &m);
	pc_soft_errors = 0;
	unpin_all(dir);
	printf("%s: detached and unpinned (%s)\n", ifname, dir);
	return PC_EXIT_OK;
}
