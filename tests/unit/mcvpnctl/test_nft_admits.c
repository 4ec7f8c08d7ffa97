/* SPDX-License-Identifier: Apache-2.0 */
/* nft_admits on rulesets as `nft list ruleset` prints them (the forms were
 * checked against nft 1.0.6's own listing): the common host firewalls,
 * iptables-nft's translation, named sets, jumps, drops, the families and
 * tables it must leave out, and text it cannot read. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "daemon/mcvpnctl/nft_admits.h"

static char why[400], fix[200];

static enum nft_admit admits(const char *rs, unsigned port)
{
	enum nft_admit a = nft_admits(rs, (uint16_t)port, why, sizeof(why), fix, sizeof(fix));
	if (a == NFT_REFUSED && !*fix)
		fprintf(stderr, "  refused without a fix: %s\n", why);
	return a;
}

#define HEAD "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n"
#define BASE HEAD "\t\tct state established,related accept\n\t\tiifname \"lo\" accept\n" \
	"\t\tip saddr 10.0.0.0/8 tcp dport 22 accept\n\t\ticmp type echo-request accept\n"
#define TAIL "\t}\n}\n"

static void test_no_filter(void)
{
	CHECK_INT(admits("", 500), NFT_ADMITTED);
	CHECK_CONTAINS(why, "no nftables input chain");
	CHECK_INT(admits("table ip nat {\n\tchain postrouting {\n\t\ttype nat hook postrouting "
			 "priority srcnat; policy accept;\n\t\toifname \"eth0\" masquerade\n\t}\n}\n",
			 500), NFT_ADMITTED);
	CHECK_INT(admits(HEAD TAIL, 500), NFT_REFUSED);
	CHECK_CONTAINS(why, "table inet filter, chain input: policy drop");
	CHECK_STR(fix, "nft insert rule inet filter input udp dport '{ 500, 4500 }' accept");
	CHECK_INT(admits("table inet filter {\n\tchain input {\n\t\ttype filter hook input "
			 "priority filter; policy accept;\n\t}\n}\n", 4500), NFT_ADMITTED);
}

static void test_usual_host(void)
{
	/* ssh, established, loopback and ping let in, IKE not */
	CHECK_INT(admits(BASE TAIL, 500), NFT_REFUSED);
	CHECK_INT(admits(BASE TAIL, 4500), NFT_REFUSED);
	CHECK_INT(admits(BASE "\t\tudp dport { 500, 4500 } counter packets 3 bytes 900 accept "
			 "comment \"ike\"\n" TAIL, 500), NFT_ADMITTED);
	CHECK_CONTAINS(why, "accepts it");
	CHECK_INT(admits(BASE "\t\tudp dport { 500, 4500 } accept\n" TAIL, 4500), NFT_ADMITTED);
	CHECK_INT(admits(BASE "\t\tudp dport 500 accept\n" TAIL, 500), NFT_ADMITTED);
	CHECK_INT(admits(BASE "\t\tudp dport 500 accept\n" TAIL, 4500), NFT_REFUSED);
	CHECK_INT(admits(BASE "\t\tudp dport 500-4500 accept\n" TAIL, 4500), NFT_ADMITTED);
	CHECK_INT(admits(BASE "\t\tudp dport 501-4499 accept\n" TAIL, 500), NFT_REFUSED);
	CHECK_INT(admits(BASE "\t\tudp dport { isakmp, ipsec-nat-t } accept\n" TAIL, 4500),
		  NFT_ADMITTED);
	CHECK_INT(admits(BASE "\t\tudp dport != 500 accept\n" TAIL, 500), NFT_REFUSED);
	CHECK_INT(admits(BASE "\t\tudp dport != 500 accept\n" TAIL, 4500), NFT_ADMITTED);
	/* TCP on the same ports is not IKE */
	CHECK_INT(admits(BASE "\t\ttcp dport { 500, 4500 } accept\n" TAIL, 500), NFT_REFUSED);
	CHECK_INT(admits(BASE "\t\tmeta l4proto tcp th dport 500 accept\n" TAIL, 500), NFT_REFUSED);
	CHECK_INT(admits(BASE "\t\tmeta l4proto { tcp, udp } th dport 500 accept\n" TAIL, 500),
		  NFT_ADMITTED);
}

static void test_conditions(void)
{
	/* the peer's address: meant for the peer, so taken to admit it */
	CHECK_INT(admits(BASE "\t\tip saddr 203.0.113.20 udp dport { 500, 4500 } accept\n" TAIL, 500),
		  NFT_ADMITTED);
	CHECK_INT(admits(BASE "\t\tiifname \"ens5\" udp dport 4500 accept\n" TAIL, 4500),
		  NFT_ADMITTED);
	/* loopback, established-only and IPv6-only accepts are not for the peer's IKE_SA_INIT */
	CHECK_INT(admits(BASE "\t\tiifname \"lo\" udp dport 500 accept\n" TAIL, 500), NFT_REFUSED);
	CHECK_INT(admits(BASE "\t\tct state established udp dport 500 accept\n" TAIL, 500),
		  NFT_REFUSED);
	CHECK_INT(admits(BASE "\t\tct state new udp dport 500 accept\n" TAIL, 500), NFT_ADMITTED);
	CHECK_INT(admits(BASE "\t\tct state established,new udp dport 500 accept\n" TAIL, 500),
		  NFT_ADMITTED);
	CHECK_INT(admits(BASE "\t\tip6 saddr 2001:db8::1 udp dport 500 accept\n" TAIL, 500),
		  NFT_REFUSED);
	CHECK_INT(admits(BASE "\t\tmeta nfproto ipv4 udp dport 500 accept\n" TAIL, 500),
		  NFT_ADMITTED);
	/* a drop of some sources does not refuse the peer; a drop of all does */
	CHECK_INT(admits(BASE "\t\tip saddr 192.0.2.0/24 drop\n\t\tudp dport 500 accept\n" TAIL, 500),
		  NFT_ADMITTED);
	CHECK_INT(admits(BASE "\t\tudp dport 500 counter packets 0 bytes 0 drop\n"
			 "\t\tudp dport 500 accept\n" TAIL, 500), NFT_REFUSED);
	CHECK_CONTAINS(why, "'udp dport 500 counter packets 0 bytes 0 drop' drops it");
	CHECK_INT(admits("table inet filter {\n\tchain input {\n\t\ttype filter hook input "
			 "priority filter; policy accept;\n\t\tct state vmap { invalid : drop, "
			 "established : accept, related : accept }\n\t\treject with icmpx "
			 "port-unreachable\n\t}\n}\n", 500), NFT_REFUSED);
	CHECK_CONTAINS(why, "reject with icmpx port-unreachable");
	CHECK_INT(admits(BASE "\t\tlog prefix \"in: \" level info\n\t\tcounter packets 1 bytes 2\n"
			 "\t\tudp dport 500 accept\n" TAIL, 500), NFT_ADMITTED);
}

static void test_sets_and_jumps(void)
{
	const char *named =
		"table inet filter {\n\tset ike {\n\t\ttype inet_service\n\t\telements = { 500,\n"
		"\t\t\t     4500 }\n\t}\n\n\tchain input {\n\t\ttype filter hook input priority "
		"filter; policy drop;\n\t\tudp dport @ike accept\n\t}\n}\n";
	CHECK_INT(admits(named, 4500), NFT_ADMITTED);
	CHECK_INT(admits(named, 501), NFT_REFUSED);

	const char *jumps =
		"table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; "
		"policy drop;\n\t\tjump services\n\t}\n\n\tchain services {\n\t\tudp dport 4500 "
		"accept\n\t\treturn\n\t\tudp dport 500 accept\n\t}\n}\n";
	CHECK_INT(admits(jumps, 4500), NFT_ADMITTED);
	CHECK_CONTAINS(why, "chain services");
	CHECK_INT(admits(jumps, 500), NFT_REFUSED);	/* after the return */
	CHECK_STR(fix, "nft insert rule inet filter input udp dport '{ 500, 4500 }' accept");

	const char *loop =
		"table ip t {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n"
		"\t\tjump a\n\t}\n\tchain a {\n\t\tjump a\n\t}\n}\n";
	CHECK_INT(admits(loop, 500), NFT_REFUSED);
}

static void test_tables(void)
{
	/* iptables-nft's translation of -A INPUT -p udp --dport 500 -j ACCEPT */
	const char *ipt =
		"table ip filter {\n\tchain INPUT {\n\t\ttype filter hook input priority filter; "
		"policy drop;\n\t\tmeta l4proto udp udp dport 500 counter packets 0 bytes 0 accept\n"
		"\t}\n\n\tchain FORWARD {\n\t\ttype filter hook forward priority filter; policy "
		"drop;\n\t}\n}\n";
	CHECK_INT(admits(ipt, 500), NFT_ADMITTED);
	CHECK_INT(admits(ipt, 4500), NFT_REFUSED);
	CHECK_CONTAINS(why, "table ip filter, chain INPUT");

	/* every input chain must let it through; IPv6-only and firewalld's are not judged */
	char two[1024];
	snprintf(two, sizeof(two), "%s%s", "table ip a {\n\tchain in {\n\t\ttype filter hook input "
		 "priority 0; policy accept;\n\t}\n}\n", BASE TAIL);
	CHECK_INT(admits(two, 500), NFT_REFUSED);
	CHECK_INT(admits("table ip6 f {\n\tchain in {\n\t\ttype filter hook input priority 0; "
			 "policy drop;\n\t}\n}\ntable inet firewalld {\n\tchain filter_INPUT {\n\t\t"
			 "type filter hook input priority filter + 10; policy accept;\n\t\treject\n\t}\n}\n",
			 500), NFT_ADMITTED);
}

static void test_unreadable(void)
{
	CHECK_INT(admits("Error: Could not process rule\n", 500), NFT_UNREADABLE);
	CHECK_INT(admits("table inet filter {\n\tchain input {\n", 500), NFT_UNREADABLE);
	CHECK_INT(admits("}\n}\n", 500), NFT_UNREADABLE);
}

int main(void)
{
	test_no_filter();
	test_usual_host();
	test_conditions();
	test_sets_and_jumps();
	test_tables();
	test_unreadable();
	return check_summary("nft_admits");
}
