/* SPDX-License-Identifier: Apache-2.0 */
/* NAT detection (RFC 7296 2.23): SHA-1(SPIi | SPIr | IP | port), against
 * values computed apart from this code (python3 hashlib.sha1 over the same
 * bytes), and the two notifies built and matched. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "check.h"
#include "daemon/ike/nat.h"

#define SPII 0x0123456789abcdefull
#define SPIR 0xfedcba9876543210ull

static struct sockaddr_storage addr(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &s6->sin6_addr);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		inet_pton(AF_INET, ip, &s4->sin_addr);
	}
	return ss;
}

static void check_hash(uint64_t spii, uint64_t spir, const char *ip, uint16_t port,
		       const char *want_hex)
{
	struct sockaddr_storage ss = addr(ip, port);
	uint8_t got[20], want[20];

	check_unhex(want_hex, want, sizeof(want));
	CHECK_INT(nat_hash(spii, spir, &ss, got), 0);
	CHECK_MEM(got, want, 20);
}

/* python3: hashlib.sha1(spii + spir + inet_pton(ip) + struct.pack('>H', port)) */
static void test_hash(void)
{
	check_hash(SPII, SPIR, "198.51.100.10", 500, "5df9a56a4a255d8e2153bdd01fadf8c0aa667be8");
	check_hash(SPII, SPIR, "2001:db8::1", 4500, "9de8bfefaab479f0d5a5609a6de20595c6307502");
	/* IKE_SA_INIT request: the responder's SPI is still 0 */
	check_hash(SPII, 0, "203.0.113.20", 4500, "69b83139d4a73a96513dec4ac4544d1b024d4841");
}

static void test_build_match(void)
{
	struct sockaddr_storage local = addr("10.3.1.200", 500), remote = addr("203.0.113.20", 500);
	struct sockaddr_storage nat = addr("198.51.100.10", 500), moved = addr("10.3.1.200", 4500);
	const struct ike_hdr h = { .spii = SPII, .exchange = IKE_SA_INIT, .flags = IKE_FLAG_I };
	uint8_t out[512], inner[16];
	struct ike_msgb b;
	struct ike_msg m;

	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	nat_build_notifies(&b, SPII, 0, &local, &remote, false);
	int len = ike_msgb_finish_plain(&b);
	CHECK_INT(len, IKE_HDR_LEN + 2 * 28);
	CHECK_INT(ike_msg_parse_header(out, (size_t)len, &m), IKE_OK);
	CHECK_INT(ike_msg_parse_payloads(&m), IKE_OK);
	CHECK_INT(m.n_notify, 2);
	/* the receiver checks the source against where the packet came from */
	CHECK(nat_match(&m, N_NAT_DETECTION_SOURCE_IP, SPII, 0, &local));
	CHECK(!nat_match(&m, N_NAT_DETECTION_SOURCE_IP, SPII, 0, &nat));
	CHECK(!nat_match(&m, N_NAT_DETECTION_SOURCE_IP, SPII, 0, &moved));
	CHECK(!nat_match(&m, N_NAT_DETECTION_SOURCE_IP, SPII, SPIR, &local));
	CHECK(nat_match(&m, N_NAT_DETECTION_DESTINATION_IP, SPII, 0, &remote));
	CHECK(!nat_match(&m, N_NAT_DETECTION_DESTINATION_IP, SPII, 0, &local));
	CHECK(!nat_match(&m, N_COOKIE, SPII, 0, &local));

	/* encapsulation=yes: a source hash nobody can match */
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	nat_build_notifies(&b, SPII, 0, &local, &remote, true);
	len = ike_msgb_finish_plain(&b);
	CHECK_INT(ike_msg_parse_header(out, (size_t)len, &m), IKE_OK);
	CHECK_INT(ike_msg_parse_payloads(&m), IKE_OK);
	CHECK(!nat_match(&m, N_NAT_DETECTION_SOURCE_IP, SPII, 0, &local));
	CHECK(nat_match(&m, N_NAT_DETECTION_DESTINATION_IP, SPII, 0, &remote));

	/* a notify of the wrong length never matches, even on a prefix */
	uint8_t h20[20];
	nat_hash(SPII, 0, &local, h20);
	ike_msgb_init(&b, out, sizeof(out), inner, sizeof(inner), &h);
	pl_notify_build(&b, 0, NULL, 0, N_NAT_DETECTION_SOURCE_IP, h20, 19);
	len = ike_msgb_finish_plain(&b);
	CHECK_INT(ike_msg_parse_header(out, (size_t)len, &m), IKE_OK);
	CHECK_INT(ike_msg_parse_payloads(&m), IKE_OK);
	CHECK(!nat_match(&m, N_NAT_DETECTION_SOURCE_IP, SPII, 0, &local));
}

int main(void)
{
	test_hash();
	test_build_match();
	return check_summary("ike-nat");
}
