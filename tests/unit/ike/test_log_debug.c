/* SPDX-License-Identifier: Apache-2.0 */
/* Debug logging switched at run time (mcvpnctl debug): for the whole
 * daemon, or for one conn's lines alone: log_conn and log_sa with its
 * name, log_limited, and the engine's IKE_SA_LOG for its SAs (initiator,
 * or a responder SA not yet authenticated, through its limit); never the
 * lines of another conn or of none.  Lines go to stderr, caught here in a
 * temporary file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "conf/conf.h"
#include "daemon/base/log.h"
#include "daemon/conn.h"
#include "daemon/ike/engine.h"

static char caught[16384];

/* Run f with stderr in a temporary file; caught gets the text. */
static void catch(void (*f)(void))
{
	FILE *t = tmpfile();
	int saved;
	size_t n = 0;

	fflush(stderr);
	saved = dup(2);
	if (t)
		dup2(fileno(t), 2);
	f();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	caught[0] = '\0';
	if (t) {
		rewind(t);
		n = fread(caught, 1, sizeof(caught) - 1, t);
		fclose(t);
	}
	caught[n] = '\0';
}

static struct conf_conn cfg_a, cfg_b;
static struct conn conn_a, conn_b;
static struct ike_sa sa_a, sa_b, sa_a_half;

static void lines(void)
{
	log_conn(LOG_DEBUG, "a", "debug-conn-a");
	log_conn(LOG_DEBUG, "b", "debug-conn-b");
	log_debug("debug-no-conn");
	log_conn(LOG_INFO, "b", "info-conn-b");
	log_sa(LOG_DEBUG, "a", "peer", 7, "debug-sa-a");
	log_limited(LOG_DEBUG, "a", "debug-limited-a");
	log_limited(LOG_DEBUG, "b", "debug-limited-b");
	IKE_SA_LOG(&sa_a, LOG_DEBUG, "engine-debug-a");
	IKE_SA_LOG(&sa_b, LOG_DEBUG, "engine-debug-b");
	IKE_SA_LOG(&sa_a_half, LOG_DEBUG, "engine-half-a");
	IKE_SA_LOG_LIMITED(&sa_a, LOG_DEBUG, "engine-limited-a");
}

static bool has(const char *s)
{
	return strstr(caught, s) != NULL;
}

static void test_per_conn(void)
{
	catch(lines);
	CHECK(!has("debug"));			/* off: none */
	CHECK(has("\"b\": info-conn-b"));

	CHECK_INT(log_debug_conn_set("a", true), 0);
	CHECK(log_debug_conn_get("a"));
	CHECK(!log_debug_conn_get("b"));
	CHECK(!log_debug_get());
	catch(lines);
	CHECK(has("debug: \"a\": debug-conn-a"));
	CHECK(has("\"a\": debug-sa-a"));
	CHECK(has("\"a\": debug-limited-a"));
	CHECK(has("\"a\": #1: engine-debug-a"));
	CHECK(has("\"a\": #3: engine-half-a"));
	CHECK(has("\"a\": #1: engine-limited-a"));
	CHECK(!has("debug-conn-b"));
	CHECK(!has("debug-limited-b"));
	CHECK(!has("engine-debug-b"));
	CHECK(!has("debug-no-conn"));
	CHECK(log_enabled_for(LOG_DEBUG, "a"));
	CHECK(!log_enabled_for(LOG_DEBUG, "b"));
	CHECK(!log_enabled_for(LOG_DEBUG, NULL));
	CHECK(!log_enabled(LOG_DEBUG));		/* what guards costly formatting stays off */

	CHECK_INT(log_debug_conn_set("b", true), 0);
	CHECK_INT(log_debug_conn_set("b", true), 0);	/* twice: once */
	const char *names[4];
	CHECK_INT(log_debug_conns(names, 4), 2);
	CHECK_INT(log_debug_conn_set("a", false), 0);
	CHECK_INT(log_debug_conns(names, 4), 1);
	CHECK_STR(names[0], "b");
	catch(lines);
	CHECK(!has("debug-conn-a"));
	CHECK(has("debug-conn-b"));
	CHECK(has("engine-debug-b"));
	CHECK_INT(log_debug_conn_set("b", false), 0);
	CHECK_INT(log_debug_conn_set("nobody", false), 0);
	catch(lines);
	CHECK(!has("debug"));
}

static void test_whole_daemon(void)
{
	log_debug_conn_set("a", true);
	log_debug_set(true);
	CHECK(log_debug_get());
	catch(lines);
	CHECK(has("debug-conn-a") && has("debug-conn-b") && has("debug-no-conn"));
	CHECK(has("engine-debug-b"));
	log_debug_set(false);			/* everything off, the conns' too */
	CHECK(!log_debug_get());
	CHECK(!log_debug_conn_get("a"));
	catch(lines);
	CHECK(!has("debug"));
	CHECK(has("info-conn-b"));
}

static void test_limits(void)
{
	char name[80];

	for (int i = 0; i < LOG_DEBUG_CONNS; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		CHECK_INT(log_debug_conn_set(name, true), 0);
	}
	CHECK_INT(log_debug_conn_set("one-too-many", true), -1);
	memset(name, 'x', 64);
	name[64] = '\0';
	log_debug_set(false);
	CHECK_INT(log_debug_conn_set(name, true), -1);	/* longer than a conn name */
	CHECK_INT(log_debug_conns(NULL, 0), 0);
}

int main(void)
{
	log_init(true, LOG_INFO);
	snprintf(cfg_a.name, sizeof(cfg_a.name), "a");
	snprintf(cfg_b.name, sizeof(cfg_b.name), "b");
	conn_a.cfg = &cfg_a;
	conn_b.cfg = &cfg_b;
	sa_a = (struct ike_sa){ .conn = &conn_a, .serial = 1, .initiator = true };
	sa_b = (struct ike_sa){ .conn = &conn_b, .serial = 2, .initiator = true };
	sa_a_half = (struct ike_sa){ .conn = &conn_a, .serial = 3 };	/* responder, not authenticated */
	test_per_conn();
	test_whole_daemon();
	test_limits();
	return check_summary("ike-log-debug");
}
