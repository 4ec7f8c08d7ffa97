/* SPDX-License-Identifier: Apache-2.0 */
/* The firewall check of mcvpnctl verify: ask firewalld, or read nftables. */
#include "daemon/mcvpnctl/firewall.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/mcvpnctl/nft_admits.h"

extern char **environ;

#define RUN_TIMEOUT_MS 10000	/* firewall-cmd waits on D-Bus; never hang verify */
#define RUN_OUTPUT_MAX (8u << 20)	/* a ruleset larger than this is not judged */

struct run {
	int status;	/* exit status; -1 not run (no such program), -2 killed or too much */
	char *out;	/* stdout, NUL-terminated; owned by the caller (free) */
	size_t len;
};

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static bool append(struct run *r, int fd)
{
	char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n <= 0)
		return false;
	if (r->len + (size_t)n > RUN_OUTPUT_MAX)
		return false;
	char *p = realloc(r->out, r->len + (size_t)n + 1);
	if (!p)
		return false;
	memcpy(p + r->len, buf, (size_t)n);
	r->out = p;
	r->len += (size_t)n;
	r->out[r->len] = 0;
	return true;
}

/* Run argv (found on PATH), stdout read into r->out, stderr and stdin
 * /dev/null; killed at RUN_TIMEOUT_MS or when it writes too much. */
static void run(char *const argv[], struct run *r)
{
	posix_spawn_file_actions_t fa;
	int pfd[2];
	pid_t pid;
	bool cut = false;

	*r = (struct run){ -1, calloc(1, 1), 0 };
	if (!r->out || pipe2(pfd, O_CLOEXEC))
		return;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	int e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (e) {
		close(pfd[0]);
		return;
	}
	long deadline = now_ms() + RUN_TIMEOUT_MS;
	for (;;) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		long left = deadline - now_ms();
		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			cut = true;
			break;
		}
		if (!append(r, pfd[0]))
			break;
	}
	close(pfd[0]);
	if (cut || r->len >= RUN_OUTPUT_MAX)
		kill(pid, SIGKILL);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	r->status = cut ? -2 : WIFEXITED(st) ? WEXITSTATUS(st) : -2;
	/* posix_spawnp reports a missing program as exit 127 of the child */
	if (r->status == 127)
		r->status = -1;
}

/* firewall-cmd's answer for one query ("--query-service=mcvpn"): exit 0 yes. */
static bool firewalld_says_yes(const char *query)
{
	char *argv[] = { "firewall-cmd", (char *)query, NULL };
	struct run r;
	run(argv, &r);
	free(r.out);
	return r.status == 0;
}

/* What verify asks of the host once, for both ports. */
struct firewall {
	bool firewalld;			/* it runs: its answers count */
	const char *service;		/* "mcvpn" or "ipsec" when firewalld opens one */
	int nft_status;			/* nft list ruleset's exit status (run()'s) */
	char *ruleset;			/* its output, owned */
};

struct firewall *firewall_read(void)
{
	struct firewall *fw = calloc(1, sizeof(*fw));
	char *argv[] = { "nft", "list", "ruleset", NULL };
	struct run r;

	if (!fw)
		return NULL;
	/* firewalld owns the ruleset while it runs: its own answer counts */
	fw->firewalld = firewalld_says_yes("--state");
	if (fw->firewalld) {
		fw->service = firewalld_says_yes("--query-service=mcvpn") ? "mcvpn"
			    : firewalld_says_yes("--query-service=ipsec") ? "ipsec" : NULL;
		return fw;
	}
	run(argv, &r);
	fw->nft_status = r.status;
	fw->ruleset = r.out;
	return fw;
}

void firewall_free(struct firewall *fw)
{
	if (!fw)
		return;
	free(fw->ruleset);
	free(fw);
}

static enum firewall_answer firewalld(const struct firewall *fw, uint16_t port, char *what,
				      size_t wl, char *fix, size_t fl)
{
	char q[64];

	snprintf(q, sizeof(q), "--query-port=%u/udp", port);
	if (fw->service)
		snprintf(what, wl, "firewalld: service %s is open", fw->service);
	else if (firewalld_says_yes(q))
		snprintf(what, wl, "firewalld: port %u/udp is open", port);
	else {
		snprintf(what, wl, "%s", "firewalld (default zone) does not open it");
		snprintf(fix, fl, "%s", "firewall-cmd --permanent --add-service=mcvpn && firewall-cmd "
			 "--reload (or --zone=ZONE for the interface's zone)");
		return FIREWALL_REFUSES;
	}
	return FIREWALL_ADMITS;
}

static enum firewall_answer nftables(const struct firewall *fw, uint16_t port, char *what,
				     size_t wl, char *fix, size_t fl)
{
	char why[400], cmd[200];

	if (fw->nft_status != 0 || !fw->ruleset) {
		snprintf(what, wl, "%s", fw->nft_status == -1 ? "no firewall checked (neither "
			 "firewalld nor nft is installed)" : "nftables not checked: nft list ruleset "
			 "failed (run verify as root)");
		return FIREWALL_UNKNOWN;
	}
	enum nft_admit a = nft_admits(fw->ruleset, port, why, sizeof(why), cmd, sizeof(cmd));
	snprintf(what, wl, "nftables: %s", why);
	if (a == NFT_UNREADABLE)
		return FIREWALL_UNKNOWN;
	if (a == NFT_ADMITTED)
		return FIREWALL_ADMITS;
	snprintf(fix, fl, "%s: %s (and the same in /etc/nftables.conf, or the firewall's own "
		 "configuration, to keep it)", why, cmd);
	return FIREWALL_REFUSES;
}

enum firewall_answer firewall_check(const struct firewall *fw, uint16_t port, char *what,
				    size_t what_len, char *fix, size_t fix_len)
{
	snprintf(fix, fix_len, "%s", "");
	if (!fw) {
		snprintf(what, what_len, "%s", "the firewall not checked: out of memory");
		return FIREWALL_UNKNOWN;
	}
	if (fw->firewalld)
		return firewalld(fw, port, what, what_len, fix, fix_len);
	return nftables(fw, port, what, what_len, fix, fix_len);
}
