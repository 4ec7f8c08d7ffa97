/* SPDX-License-Identifier: Apache-2.0 */
/* mcvpnd as a user of its own.  Started as root with --user NAME, it gives
 * the control socket's directory to that user and becomes it, keeping only
 * CAP_NET_ADMIN and CAP_NET_BIND_SERVICE, before it reads the configuration
 * or opens anything.  From then on it is in the state that the unit's
 * User=mcvpn and AmbientCapabilities= start it in, so the start-up and
 * everything after it (a reload reading /etc/mcvpn.d, new TUN devices and
 * routes, new sockets on 500 and 4500 with SO_MARK, the control socket)
 * run one way in both, as that user; no thread exists yet, so none keeps
 * root's capabilities (they are per thread).  capset(2) and prctl(2)
 * directly: no libcap. */
#include "daemon/user.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon/ctl/server.h"

#define KEEP ((1u << CAP_NET_ADMIN) | (1u << CAP_NET_BIND_SERVICE))

static int caps_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };

	return (int)syscall(SYS_capget, &h, d);
}

/* Effective, permitted and inheritable: the two (inheritable too, so that
 * they can be ambient, as under the unit). */
static int caps_set_keep(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { KEEP, KEEP, KEEP }, { 0, 0, 0 } };

	return (int)syscall(SYS_capset, &h, d);
}

/* Nothing executed later can get more than the two (needs CAP_SETPCAP:
 * before the switch). */
static int bounding_drop(void)
{
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (!(cap < 32 && (KEEP >> cap & 1)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
			return -1;
	return 0;
}

static int ambient_raise(void)
{
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_ADMIN, 0, 0) != 0 ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0) != 0)
		return -1;
	return 0;
}

/* The control socket's directory, while still root: made for the user when
 * missing, and /run/mcvpn (mcvpnd's own; a run as root made it) given to
 * it.  Any other directory stays as it is: binding the socket says so if
 * the user may not create it there. */
static int socket_dir_prepare(const char *ctl_path, uid_t uid, gid_t gid)
{
	char dir[4096];
	char *slash;
	struct stat st;

	if (!ctl_path || snprintf(dir, sizeof(dir), "%s", ctl_path) >= (int)sizeof(dir))
		return 0;	/* too long: the control socket refuses it */
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;	/* in the working directory, or in / */
	*slash = '\0';
	if (mkdir(dir, 0755) == 0) {
		/* the mode should not depend on the umask */
		if (chmod(dir, 0755) != 0 || chown(dir, uid, gid) != 0) {
			fprintf(stderr, "mcvpnd: cannot give %s to the user: %s\n", dir, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (errno != EEXIST) {
		fprintf(stderr, "mcvpnd: cannot create %s for the control socket: %s\n", dir,
			strerror(errno));
		return -1;
	}
	if (strcmp(dir, CTL_SOCKET_DIR) == 0 && lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == 0 && lchown(dir, uid, gid) != 0) {
		fprintf(stderr, "mcvpnd: cannot give %s to the user: %s\n", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* The switch took, and cannot be undone: every uid and gid is the user's,
 * setuid(0) and setgid(0) fail, and only the two capabilities are left. */
static int check_switched(const char *name, uid_t uid, gid_t gid)
{
	struct __user_cap_data_struct d[2];
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) != 0 || ru != uid || eu != uid || su != uid ||
	    getresgid(&rg, &eg, &sg) != 0 || rg != gid || eg != gid || sg != gid) {
		fprintf(stderr, "mcvpnd: after the switch to %s, some uid or gid is not %s's\n", name,
			name);
		return -1;
	}
	if (setuid(0) == 0 || setgid(0) == 0) {
		fprintf(stderr, "mcvpnd: after the switch to %s, it could become root again\n", name);
		return -1;
	}
	if (caps_get(d) != 0 || d[0].effective != KEEP || d[0].permitted != KEEP ||
	    d[1].effective || d[1].permitted || prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 0) {
		fprintf(stderr, "mcvpnd: after the switch to %s, it holds other capabilities than "
			"CAP_NET_ADMIN and CAP_NET_BIND_SERVICE\n", name);
		return -1;
	}
	return 0;
}

/* Root to the user, in the order the kernel allows: what needs
 * CAP_SETPCAP and CAP_SETGID first, the uid last, with PR_SET_KEEPCAPS so
 * that the permitted set survives it; then the two made effective again. */
static int become(const char *name, uid_t uid, gid_t gid)
{
	if (bounding_drop() != 0 || prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 ||
	    initgroups(name, gid) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0 || caps_set_keep() != 0 || ambient_raise() != 0 ||
	    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		fprintf(stderr, "mcvpnd: cannot become %s: %s\n", name, strerror(errno));
		return -1;
	}
	return 0;
}

int user_switch(const char *name, const char *ctl_path)
{
	struct passwd *pw;
	char pw_name[256];
	uid_t uid;
	gid_t gid;

	errno = 0;
	pw = getpwnam(name);
	if (!pw) {
		if (errno)
			fprintf(stderr, "mcvpnd: --user %s: cannot look the user up: %s\n", name,
				strerror(errno));
		else
			fprintf(stderr, "mcvpnd: --user %s: no such user (the packages make it; by hand: "
				"systemd-sysusers, or useradd --system --no-create-home --shell "
				"/usr/sbin/nologin %s)\n", name, name);
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	snprintf(pw_name, sizeof(pw_name), "%s", pw->pw_name);	/* pw is static */
	if (uid == 0) {
		fprintf(stderr, "mcvpnd: --user %s: that is root; name the user mcvpnd should run as\n",
			name);
		return -1;
	}
	if (getuid() == uid && geteuid() == uid)
		return 0;	/* started as the user (the unit's User=) */
	if (geteuid() != 0) {
		fprintf(stderr, "mcvpnd: --user %s: only root can switch to it (this is uid %u)\n",
			name, (unsigned)geteuid());
		return -1;
	}
	if (socket_dir_prepare(ctl_path, uid, gid) != 0 || become(pw_name, uid, gid) != 0)
		return -1;
	return check_switched(pw_name, uid, gid);
}

bool user_caps_enough(void)
{
	struct __user_cap_data_struct d[2];

	return geteuid() == 0 || (caps_get(d) == 0 && (d[0].effective & KEEP) == KEEP);
}
