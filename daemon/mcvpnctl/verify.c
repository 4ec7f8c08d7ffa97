/* SPDX-License-Identifier: Apache-2.0 */
#include "daemon/mcvpnctl/verify.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf/conf.h"
#include "daemon/mcvpnctl/firewall.h"
#include "daemon/mcvpnctl/port_owner.h"

/* Where verify tells the operator to keep the sysctls (the packages ship
 * a whole one among the examples: packaging/sysctl/90-mcvpn.conf). */
#define SYSCTL_DROPIN "/etc/sysctl.d/90-mcvpn.conf"

struct vctx {
	FILE *out;
	int failed;
};

static void result(struct vctx *v, int ok, const char *what, const char *fix)
{
	fprintf(v->out, "%-58s [%s]\n", what, ok ? "OK" : "FAILED");
	if (!ok) {
		fprintf(v->out, "    %s\n", fix);
		v->failed++;
	}
}

/* A check that could not be made: said, not counted as failed. */
static void unchecked(struct vctx *v, const char *what, const char *why)
{
	fprintf(v->out, "%-58s [SKIPPED]\n    %s\n", what, why);
}

static int read_sysctl(const char *root, const char *name, char *buf, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/proc/sys/%s", root, name);
	for (char *p = path + strlen(root) + 10; *p; p++)
		if (*p == '.')
			*p = '/';
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int r = fgets(buf, (int)len, f) ? 0 : -1;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return r;
}

static void check_tun(struct vctx *v)
{
	char fix[160];
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	snprintf(fix, sizeof(fix), "cannot open /dev/net/tun: %s; load the module (modprobe tun)",
		 strerror(errno));
	result(v, fd >= 0, "/dev/net/tun is usable", fix);
	if (fd >= 0)
		close(fd);
}

static bool daemon_running(const char *ctl_path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool up;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", ctl_path);
	up = fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	if (fd >= 0)
		close(fd);
	return up;
}

/* Who has the port: "pluto (pid 812)", or "another program" when /proc
 * does not say (not root). */
static void holder(const char *proc_root, uint16_t port, char *buf, size_t len)
{
	char name[64];
	int pid;

	if (port_owner(proc_root, port, &pid, name, sizeof(name)) == 0)
		snprintf(buf, len, "%s (pid %d)", name, pid);
	else
		snprintf(buf, len, "another program");
}

static void check_port(struct vctx *v, const char *proc_root, uint16_t port, bool daemon_up)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	char what[64], fix[300], who[96] = "";
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ok = fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	int err = errno;

	if (fd >= 0)
		close(fd);
	if (!ok && err == EADDRINUSE)
		holder(proc_root, port, who, sizeof(who));
	snprintf(what, sizeof(what), "UDP port %u can be bound%s", port,
		 !ok && daemon_up ? " (in use by mcvpnd)" : "");
	if (err == EADDRINUSE)
		snprintf(fix, sizeof(fix),
			 "cannot bind UDP %u: %s holds it; another IKE daemon runs "
			 "(libreswan: systemctl disable --now ipsec; strongSwan: systemctl disable "
			 "--now strongswan)", port, who);
	else
		snprintf(fix, sizeof(fix), "cannot bind UDP %u: %s%s", port, strerror(err),
			 err == EACCES ? "; run as root or with CAP_NET_BIND_SERVICE" : "");
	result(v, ok || (err == EADDRINUSE && daemon_up), what, fix);
}

static void check_firewall(struct vctx *v, const struct firewall *fw, uint16_t port)
{
	char what[64], how[512], fix[1100];
	enum firewall_answer a = firewall_check(fw, port, how, sizeof(how), fix, sizeof(fix));

	snprintf(what, sizeof(what), "the firewall lets UDP %u in", port);
	if (a == FIREWALL_UNKNOWN) {
		unchecked(v, what, how);
		return;
	}
	result(v, a == FIREWALL_ADMITS, what, fix);
	if (a == FIREWALL_ADMITS)
		fprintf(v->out, "    %s\n", how);
}

static void check_sysctl(struct vctx *v, const char *root, const char *name, const char *good1,
			 const char *good2, const char *fix)
{
	char val[32] = "?", what[128], msg[512];
	int r = read_sysctl(root, name, val, sizeof(val));

	/* now, and across reboots (a drop-in, as sysctl.d(5) wants them) */
	snprintf(what, sizeof(what), "%s = %s", name, good2 ? "0 or 2" : good1);
	snprintf(msg, sizeof(msg),
		 "it is %s: %s: sysctl -w %s=%s\n    and at boot: echo '%s = %s' >> %s",
		 r ? "unreadable" : val, fix, name, good1, name, good1, SYSCTL_DROPIN);
	result(v, r == 0 && (strcmp(val, good1) == 0 || (good2 && strcmp(val, good2) == 0)), what,
	       msg);
}

static void check_config(struct vctx *v, const char *dir)
{
	struct conf_diag diag = { 0 };
	struct conf *conf = NULL;
	char what[300];
	int r = conf_load_dir(dir, &conf, &diag);

	snprintf(what, sizeof(what), "configuration in %s is valid", dir);
	result(v, r == 0, what, "mcvpnd --check lists the problems:");
	for (size_t i = 0; r && i < diag.n; i++)
		fprintf(v->out, "      %s\n", diag.msgs[i]);
	conf_diag_free(&diag);
	conf_free(conf);
}

static void check_secrets_modes(struct vctx *v, const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	int bad = 0, n = 0;
	char path[512], fix[1100] = "";

	while (dp && (e = readdir(dp))) {
		size_t l = strlen(e->d_name);
		struct stat st;
		if (l < 8 || strcmp(e->d_name + l - 8, ".secrets") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st))
			continue;
		n++;
		if (st.st_mode & 077) {
			bad++;
			snprintf(fix, sizeof(fix), "%s has mode %04o: chmod 600 %s", path,
				 st.st_mode & 07777, path);
		}
	}
	if (dp)
		closedir(dp);
	char what[128];
	snprintf(what, sizeof(what), "secrets files are mode 0600 (%d found)", n);
	result(v, bad == 0, what, fix);
}

/* The directory's own mode, as mcvpnd --check judges it (conf/perm.c). */
static void check_dir_mode(struct vctx *v, const char *dir)
{
	struct stat st;
	char what[300], fix[600];

	snprintf(what, sizeof(what), "%s is private (mode 0700)", dir);
	if (stat(dir, &st) != 0) {
		snprintf(fix, sizeof(fix), "%s: %s", dir, strerror(errno));
		result(v, 0, what, fix);
		return;
	}
	result(v, conf_perm_check(&st, dir, true, fix, sizeof(fix)) == CONF_PERM_OK, what, fix);
}

int verify_run(const char *config_dir, const char *ctl_path, const char *proc_root, FILE *out)
{
	struct vctx v = { out, 0 };
	bool up = daemon_running(ctl_path);

	fprintf(out, "Verifying this host for mcvpnd (%s):\n", up ? "mcvpnd is running" : "mcvpnd is not running");
	check_tun(&v);
	check_port(&v, proc_root, 500, up);
	check_port(&v, proc_root, 4500, up);
	struct firewall *fw = firewall_read();
	check_firewall(&v, fw, 500);
	check_firewall(&v, fw, 4500);
	firewall_free(fw);
	check_sysctl(&v, proc_root, "net.ipv4.ip_forward", "1", NULL,
		     "a gateway forwards the routed subnets");
	check_sysctl(&v, proc_root, "net.ipv4.conf.all.rp_filter", "0", "2",
		     "strict reverse-path filtering drops tunnel traffic");
	check_sysctl(&v, proc_root, "net.ipv4.conf.default.rp_filter", "0", "2",
		     "new interfaces (the TUN) inherit it");
	check_sysctl(&v, proc_root, "net.ipv4.conf.all.send_redirects", "0", NULL,
		     "a gateway must not send ICMP redirects");
	check_sysctl(&v, proc_root, "net.ipv4.conf.all.accept_redirects", "0", NULL,
		     "redirects could bypass the tunnel");
	check_config(&v, config_dir);
	check_dir_mode(&v, config_dir);
	check_secrets_modes(&v, config_dir);
	fprintf(out, "%d check%s failed\n", v.failed, v.failed == 1 ? "" : "s");
	return v.failed;
}
