/* hash_sha1 for NAT detection (RFC 7296 2.23): FIPS 180-2 appendix A.1
 * ("abc") and A.2 (the 448-bit two-block message). */
#include "check.h"
#include "crypto/hash.h"

int main(void)
{
	static const char two_block[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	unsigned char want[20], got[20];

	check_unhex("a9993e364706816aba3e25717850c26c9cd0d89d", want, sizeof(want));
	CHECK_INT(hash_sha1((const uint8_t *)"abc", 3, got), 0);
	CHECK_MEM(got, want, 20);
	check_unhex("84983e441c3bd26ebaae4aa1f95129e5e54670f1", want, sizeof(want));
	CHECK_INT(hash_sha1((const uint8_t *)two_block, strlen(two_block), got), 0);
	CHECK_MEM(got, want, 20);
	return check_summary("crypto-hash");
}
