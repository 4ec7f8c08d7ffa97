/* SPDX-License-Identifier: Apache-2.0 */
/* hash_sha1 for NAT detection (RFC 7296 2.23) and hash_sha256 for COOKIEs
 * (RFC 7296 2.6): FIPS 180-2 appendix A.1 / B.1 ("abc") and A.2 / B.2 (the
 * 448-bit two-block message). */
#include "check.h"
#include "crypto/hash.h"

int main(void)
{
	static const char two_block[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	unsigned char want[32], got[32];

	check_unhex("a9993e364706816aba3e25717850c26c9cd0d89d", want, 20);
	CHECK_INT(hash_sha1((const uint8_t *)"abc", 3, got), 0);
	CHECK_MEM(got, want, 20);
	check_unhex("84983e441c3bd26ebaae4aa1f95129e5e54670f1", want, 20);
	CHECK_INT(hash_sha1((const uint8_t *)two_block, strlen(two_block), got), 0);
	CHECK_MEM(got, want, 20);

	check_unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want, 32);
	CHECK_INT(hash_sha256((const uint8_t *)"abc", 3, got), 0);
	CHECK_MEM(got, want, 32);
	check_unhex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", want, 32);
	CHECK_INT(hash_sha256((const uint8_t *)two_block, strlen(two_block), got), 0);
	CHECK_MEM(got, want, 32);
	return check_summary("crypto-hash");
}
