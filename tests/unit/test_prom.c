// SPDX-License-Identifier: GPL-2.0
/*
 * The systemd unit (debian/pktcount@.service) that runs pktcount for
 * Prometheus, as systemd reads it: its exposure, and where the package is
 * installed, the installed files and systemd-analyze verify.  Its
 * ExecStart line counting is tests/live/test_prom.c's.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/sh.h"

#define UNIT "debian/pktcount@.service"

/* systemd's own reading of the unit: an exposure of at most 2.0 (offline, as an instance) */
Test(prom, service_unit_exposure_at_most_2)
{
	char *out;
	const char *at;
	double level;

	if (sh("command -v systemd-analyze >/dev/null") != 0)
		cr_skip_test("systemd-analyze missing");
	sh_ok("d=$(mktemp -d) && cp " UNIT " $d/pktcount@vb.service && echo $d > /tmp/pktcount-unit-dir.%d",
	      (int)getpid());
	out = sh_out("d=$(cat /tmp/pktcount-unit-dir.%d); systemd-analyze security --offline=true --no-pager "
		     "$d/pktcount@vb.service 2>&1; rm -rf $d /tmp/pktcount-unit-dir.%d", (int)getpid(), (int)getpid());
	at = strstr(out, "Overall exposure level for pktcount@vb.service: ");
	cr_assert_not_null(at, "%s", out);
	level = strtod(at + strlen("Overall exposure level for pktcount@vb.service: "), NULL);
	cr_expect_leq(level, 2.0, "exposure %.1f:\n%s", level, out);
	cr_log_info("systemd-analyze security: %.1f", level);
	free(out);
}

/*
 * Where the package is installed (CI installs it before the tests): dpkg
 * lists the binary, the man page, the unit, its drop-in and the defaults;
 * the installed unit is this one, and systemd-analyze verify finds nothing
 * to say, for an interface and for pktcount@all with its drop-in.
 */
Test(prom, installed_unit_verifies)
{
	if (access("/usr/sbin/pktcount", X_OK) != 0 ||
	    sh("cmp -s " UNIT " /lib/systemd/system/pktcount@.service") != 0)
		cr_skip_test("the package (make deb) is not installed");
	/* what the package installs, as dpkg lists it */
	sh_ok("dpkg -L pktcount | grep -qx /usr/sbin/pktcount && dpkg -L pktcount | grep -qx "
	      "/usr/share/man/man8/pktcount.8.gz && dpkg -L pktcount | grep -qx /lib/systemd/system/pktcount@.service && "
	      "dpkg -L pktcount | grep -qx /lib/systemd/system/pktcount@all.service.d/all.conf && "
	      "dpkg -L pktcount | grep -qx /etc/default/pktcount");
	sh_ok("out=$(systemd-analyze verify /lib/systemd/system/pktcount@.service 2>&1) && [ -z \"$out\" ] || "
	      "{ echo \"$out\"; exit 1; }");
	sh_ok("d=$(mktemp -d) && cp " UNIT " $d/pktcount@all.service && "
	      "out=$(systemd-analyze verify $d/pktcount@all.service 2>&1); rm -rf $d; [ -z \"$out\" ] || "
	      "{ echo \"$out\"; exit 1; }");
}
