/* SPDX-License-Identifier: Apache-2.0 */
/* The hook's job for each event of a conn (daemon/conn_hook.c): argv from
 * updown=, every documented variable present with its value (libreswan's
 * PLUTO_* names and mcvpn's MCVPN_*), nothing undocumented, and never the
 * PSK or a key; and when each event runs (up once, rekey while up, down
 * after up only), with a runner standing by. */
#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conf/conf.h"
#include "crypto/secret.h"
#include "daemon/base/log.h"
#include "daemon/daemon.h"
#include "daemon/hook/hook.h"

#define PSK "hook-test-psk-never-in-env"

static const char conf_text[] =
	"conn site\n"
	"\tleft=10.3.1.200\n\tleftid=198.51.100.10\n\tright=203.0.113.20\n"
	"\tauthby=secret\n\tauto=start\n\tvti-interface=vti7\n"
	"\tleftsubnet=10.2.0.0/16\n\trightsubnet=10.105.0.0/16,10.106.0.0/16\n"
	"\tinterface-ip=192.168.2.1/30\n\troute-metric=50\n"
	"\tupdown=\"/etc/mcvpn/hook.sh 'first arg' second\"\n\tupdown-timeout=7s\n";
static const char secrets_text[] = "203.0.113.20 198.51.100.10 : PSK \"" PSK "\"\n";

static void addr(struct sockaddr_storage *ss, const char *a, unsigned port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(a, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, a, &s6->sin6_addr);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, a, &s4->sin_addr);
	}
}

static void ts4(struct ike_ts *t, const char *start, const char *end)
{
	memset(t, 0, sizeof(*t));
	t->type = TS_IPV4_ADDR_RANGE;
	t->end_port = 65535;
	inet_pton(AF_INET, start, t->start);
	inet_pton(AF_INET, end, t->end);
}

static struct conf *cf;
static struct conn conn;
static struct ike_sa sa;
static struct child_sa child;
static uint8_t keybytes[32];

static void setup(void)
{
	struct conf_diag d = { 0 };

	if (conf_load_text("t.conf", conf_text, "t.secrets", secrets_text, &cf, &d)) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "  %s\n", d.msgs[i]);
		exit(1);
	}
	conf_diag_free(&d);
	conn.cfg = &cf->conns[0];
	conn.tun_fd = -1;
	sa.conn = &conn;
	sa.serial = 3;
	sa.initiator = true;
	sa.spii = 0x0123456789abcdefull;
	sa.spir = 0xfedcba9876543210ull;
	sa.natt = true;
	addr(&sa.local, "10.3.1.200", 4500);
	addr(&sa.remote, "203.0.113.20", 4500);
	sa.child = &child;
	sa.children = &child;
	child.ike = &sa;
	child.serial = 4;
	child.spi_in = 0xc0ffee01;
	child.spi_out = 0x0badf00d;
	child.add_time = 1700000000;
	ts4(&child.ts_local[0], "10.2.0.0", "10.2.255.255");
	child.n_ts_local = 1;
	ts4(&child.ts_remote[0], "10.105.0.0", "10.105.255.255");
	ts4(&child.ts_remote[1], "10.106.0.5", "10.106.0.9");	/* a range, no prefix */
	child.n_ts_remote = 2;
	memset(keybytes, 0x5a, sizeof(keybytes));
	child.key_in = secret_dup(keybytes, sizeof(keybytes));
	child.key_out = secret_dup(keybytes, sizeof(keybytes));
}

/* Every variable of the job is one of expected[] with that value (NULL:
 * any), and every one of expected[] is there. */
struct want {
	const char *name, *value;
};

static void check_env(const struct hook_job *j, const struct want *w, size_t n)
{
	size_t envc;
	char *const *envp = hook_job_envp(j, &envc);

	for (size_t i = 0; i < n; i++) {
		const char *v = hook_job_getenv(j, w[i].name);
		if (!v) {
			check_report(0, __FILE__, __LINE__, w[i].name);
			fprintf(stderr, "  expected %s=%s, absent\n", w[i].name, w[i].value ? w[i].value : "...");
		} else if (w[i].value) {
			CHECK_STR(v, w[i].value);
		}
	}
	for (size_t e = 0; e < envc; e++) {
		bool known = false;
		for (size_t i = 0; i < n && !known; i++)
			known = strncmp(envp[e], w[i].name, strlen(w[i].name)) == 0 &&
				envp[e][strlen(w[i].name)] == '=';
		check_report(known, __FILE__, __LINE__, "only the expected variables");
		if (!known)
			fprintf(stderr, "  unexpected %s\n", envp[e]);
	}
}

/* No variable holds the PSK or a key (raw or in hex). */
static void check_no_secret(const struct hook_job *j)
{
	size_t envc, argc;
	char *const *envp = hook_job_envp(j, &envc);
	char *const *argv = hook_job_argv(j, &argc);

	for (size_t e = 0; e < envc; e++) {
		CHECK(strstr(envp[e], PSK) == NULL);
		CHECK(strstr(envp[e], "5a5a5a5a") == NULL && strstr(envp[e], "ZZZZ") == NULL);
	}
	for (size_t i = 0; i < argc; i++)
		CHECK(strstr(argv[i], PSK) == NULL);
}

static const struct want common[] = {
	{ "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
	{ "PLUTO_CONNECTION", "site" }, { "PLUTO_CONNECTION_TYPE", "tunnel" },
	{ "PLUTO_STACK", "mcvpn" }, { "MCVPN_CONN", "site" },
	{ "PLUTO_VIRT_INTERFACE", "vti7" }, { "VTI_IFACE", "vti7" }, { "MCVPN_DEVICE", "vti7" },
	{ "INTERFACE_IP", "192.168.2.1/30" }, { "VTI_IP", "192.168.2.1/30" },
	{ "MCVPN_INTERFACE_IP", "192.168.2.1/30" }, { "PLUTO_METRIC", "50" },
	{ "PLUTO_ME", "10.3.1.200" }, { "MCVPN_LOCAL", "10.3.1.200" }, { "MCVPN_LOCAL_PORT", "4500" },
	{ "PLUTO_MY_ID", "198.51.100.10" }, { "MCVPN_LOCAL_ID", "198.51.100.10" },
	{ "PLUTO_MY_CLIENT", "10.2.0.0/16" }, { "PLUTO_MY_CLIENT_NET", "10.2.0.0" },
	{ "PLUTO_MY_CLIENT_MASK", "255.255.0.0" }, { "PLUTO_MY_PORT", "0" }, { "PLUTO_MY_PROTOCOL", "0" },
	{ "PLUTO_PEER", "203.0.113.20" }, { "MCVPN_PEER", "203.0.113.20" }, { "MCVPN_PEER_PORT", "4500" },
	{ "PLUTO_PEER_ID", "203.0.113.20" }, { "MCVPN_PEER_ID", "203.0.113.20" },
	{ "PLUTO_PEER_CLIENT", "10.105.0.0/16" }, { "PLUTO_PEER_CLIENT_NET", "10.105.0.0" },
	{ "PLUTO_PEER_CLIENT_MASK", "255.255.0.0" }, { "PLUTO_PEER_PORT", "0" },
	{ "PLUTO_PEER_PROTOCOL", "0" },
	{ "PLUTO_CONN_ADDRFAMILY", "ipv4" }, { "PLUTO_CLIENT_FAMILY", "ipv4" },
	{ "MCVPN_LOCAL_TS", "10.2.0.0/16" }, { "MCVPN_REMOTE_TS", "10.105.0.0/16,10.106.0.5-10.106.0.9" },
	{ "PLUTO_SA_TYPE", "ESP" }, { "PLUTO_ADDTIME", "1700000000" },
	{ "SPI_IN", "0xc0ffee01" }, { "SPI_OUT", "0x0badf00d" },
	{ "MCVPN_ROLE", "initiator" }, { "MCVPN_IKE_SA", "3" },
	{ "MCVPN_IKE_SPI_I", "0123456789abcdef" }, { "MCVPN_IKE_SPI_R", "fedcba9876543210" },
	{ "MCVPN_NAT_T", "yes" }, { "MCVPN_CHILD_SA", "4" },
	{ "MCVPN_CHILD_SPI_IN", "c0ffee01" }, { "MCVPN_CHILD_SPI_OUT", "0badf00d" },
};
#define N_COMMON (sizeof(common) / sizeof(common[0]))

static void check_event(const struct conn_hook_event *ev, const struct want *extra, size_t n_extra)
{
	struct want w[N_COMMON + 8];
	struct hook_job *j = conn_hook_job(&conn, ev);
	size_t argc;
	char *const *argv;

	CHECK(j != NULL);
	if (!j)
		return;
	memcpy(w, common, sizeof(common));
	memcpy(w + N_COMMON, extra, n_extra * sizeof(*extra));
	check_env(j, w, N_COMMON + n_extra);
	check_no_secret(j);
	argv = hook_job_argv(j, &argc);
	CHECK_INT(argc, 3);
	CHECK_STR(argv[0], "/etc/mcvpn/hook.sh");
	CHECK_STR(argv[1], "first arg");
	CHECK_STR(argv[2], "second");
	hook_job_free(j);
}

static void test_events(void)
{
	const struct want up[] = { { "PLUTO_VERB", "up-client" }, { "MCVPN_VERB", "up" } };
	const struct want rekey_child[] = {
		{ "PLUTO_VERB", "rekey-client" }, { "MCVPN_VERB", "rekey" }, { "MCVPN_REKEY", "child" },
	};
	const struct want rekey_ike[] = {
		{ "PLUTO_VERB", "rekey-client" }, { "MCVPN_VERB", "rekey" }, { "MCVPN_REKEY", "ike" },
	};
	const struct want down[] = {
		{ "PLUTO_VERB", "down-client" }, { "MCVPN_VERB", "down" },
		{ "MCVPN_REASON", "deleted by peer" },
	};

	check_event(&(struct conn_hook_event){ CONN_HOOK_UP, &sa, &child, 0, NULL }, up, 2);
	check_event(&(struct conn_hook_event){ CONN_HOOK_REKEY, &sa, &child, IKE_REKEY_CHILD, NULL },
		    rekey_child, 3);
	check_event(&(struct conn_hook_event){ CONN_HOOK_REKEY, &sa, &child, IKE_REKEY_IKE, NULL },
		    rekey_ike, 3);
	check_event(&(struct conn_hook_event){ CONN_HOOK_DOWN, &sa, &child, 0, "deleted by peer" },
		    down, 3);
}

/* libreswan's verb suffixes: -host when the local selector is this host's
 * address alone, -v6 for IPv6 selectors; no Child SA: the config's
 * selectors, no SPIs. */
static void test_verbs(void)
{
	struct child_sa host = child;
	struct hook_job *j;

	ts4(&host.ts_local[0], "10.3.1.200", "10.3.1.200");
	j = conn_hook_job(&conn, &(struct conn_hook_event){ CONN_HOOK_UP, &sa, &host, 0, NULL });
	CHECK_STR(hook_job_getenv(j, "PLUTO_VERB"), "up-host");
	CHECK_STR(hook_job_getenv(j, "PLUTO_MY_CLIENT"), "10.3.1.200/32");
	CHECK_STR(hook_job_getenv(j, "PLUTO_MY_CLIENT_MASK"), "255.255.255.255");
	hook_job_free(j);

	host.ts_local[0].type = TS_IPV6_ADDR_RANGE;
	memset(host.ts_local[0].start, 0, 16);
	memset(host.ts_local[0].end, 0xff, 16);
	j = conn_hook_job(&conn, &(struct conn_hook_event){ CONN_HOOK_DOWN, &sa, &host, 0, "x" });
	CHECK_STR(hook_job_getenv(j, "PLUTO_VERB"), "down-client-v6");
	CHECK_STR(hook_job_getenv(j, "PLUTO_MY_CLIENT"), "::/0");
	CHECK_STR(hook_job_getenv(j, "PLUTO_MY_CLIENT_MASK"), "::");
	CHECK_STR(hook_job_getenv(j, "PLUTO_CLIENT_FAMILY"), "ipv6");
	hook_job_free(j);

	j = conn_hook_job(&conn, &(struct conn_hook_event){ CONN_HOOK_DOWN, NULL, NULL, 0, "x" });
	CHECK_STR(hook_job_getenv(j, "PLUTO_VERB"), "down-client");
	CHECK_STR(hook_job_getenv(j, "PLUTO_ME"), "10.3.1.200");
	CHECK_STR(hook_job_getenv(j, "PLUTO_PEER"), "203.0.113.20");
	CHECK_STR(hook_job_getenv(j, "MCVPN_PEER_PORT"), "0");
	CHECK_STR(hook_job_getenv(j, "PLUTO_MY_CLIENT"), "10.2.0.0/16");
	CHECK_STR(hook_job_getenv(j, "MCVPN_REMOTE_TS"), "10.105.0.0/16,10.106.0.0/16");
	CHECK_STR(hook_job_getenv(j, "PLUTO_SA_TYPE"), "none");
	CHECK_STR(hook_job_getenv(j, "SPI_IN"), "0x00000000");
	CHECK(hook_job_getenv(j, "MCVPN_IKE_SA") == NULL);
	CHECK(hook_job_getenv(j, "MCVPN_CHILD_SA") == NULL);
	hook_job_free(j);
}

/* When events run: up once until down, rekeys only while up, down only
 * after up; a conn without updown= runs nothing. */
static unsigned done;
static char whats[256];

static void on_done(void *arg, const struct hook_result *r)
{
	done++;
	snprintf(whats + strlen(whats), sizeof(whats) - strlen(whats), "%s ", r->what);
}

static void test_when(void)
{
	struct daemon d;
	struct ike_down down = { .why = "peer dead (DPD)", .sa = &sa };
	struct ike_rekeyed rk = { .what = IKE_REKEY_CHILD, .sa = &sa, .child = &child,
				  .by = IKE_REKEY_BY_HAND };
	struct conf *cf2 = NULL;
	struct conn bare = { .tun_fd = -1 };
	char text[sizeof(conf_text)];

	memset(&d, 0, sizeof(d));
	d.base = event_base_new();
	d.hooks = hook_runner_new(d.base, NULL);
	hook_runner_observe(d.hooks, &(struct hook_observer){ .done = on_done });
	/* the hook is /bin/true here: each event runs it once */
	conn.cfg = NULL;
	snprintf(text, sizeof(text), "%s", conf_text);
	strstr(text, "\tupdown=")[0] = '\0';
	strcat(text, "\tupdown=/bin/true\n");
	CHECK_INT(conf_load_text("t.conf", text, "t.secrets", secrets_text, &cf2, NULL), 0);
	if (!cf2)
		return;
	conn.cfg = &cf2->conns[0];
	conn.ike = &sa;
	conn.hook_up = false;

	conn_hook_rekeyed(&d, &conn, &rk);		/* not up: nothing */
	conn_hook_down(&d, &conn, &down);		/* never up: nothing */
	CHECK(hook_runner_idle(d.hooks));
	conn_hook_up(&d, &conn);
	conn_hook_up(&d, &conn);			/* a second IKE SA: nothing */
	conn_hook_rekeyed(&d, &conn, &rk);
	conn_hook_down(&d, &conn, &down);
	conn_hook_down(&d, &conn, &down);		/* already down: nothing */
	CHECK(!conn.hook_up);
	for (int i = 0; i < 6000 && done < 3; i++)	/* a hang bound, not a time */
		event_base_loop(d.base, EVLOOP_ONCE);
	CHECK_INT(done, 3);
	CHECK_STR(whats, "up rekey down ");
	CHECK(hook_runner_idle(d.hooks));

	/* without updown=: the state moves, nothing runs */
	cf2->conns[0].updown.argc = 0;
	bare.cfg = &cf2->conns[0];
	conn_hook_up(&d, &bare);
	CHECK(bare.hook_up);
	CHECK(hook_runner_idle(d.hooks));
	conn_hook_down(&d, &bare, &down);
	CHECK(!bare.hook_up);
	/* stopping: no up */
	d.stopping = true;
	conn_hook_up(&d, &conn);
	CHECK(!conn.hook_up);

	hook_runner_free(d.hooks);
	event_base_free(d.base);
	conn.cfg = &cf->conns[0];
	conf_free(cf2);
}

int main(void)
{
	log_init(true, LOG_WARNING);
	setup();
	test_events();
	test_verbs();
	test_when();
	secret_free(child.key_in);
	secret_free(child.key_out);
	conf_free(cf);
	return check_summary("daemon-conn-hook");
}
