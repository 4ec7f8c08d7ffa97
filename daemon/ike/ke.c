/* SPDX-License-Identifier: Apache-2.0 */
/* The KE payload of our DH key (RFC 7296 3.4): IKE_SA_INIT and both rekeys
 * with PFS send one. */
#include "daemon/ike/engine.h"

#include "crypto/alg.h"
#include "crypto/dh.h"

int ike_ke_add(struct ike_msgb *b, const struct dh *dh)
{
	uint8_t pub[1024];
	unsigned g = dh_group_of(dh);
	size_t n = dh_pub_len(g);

	if (n == 0 || n > sizeof(pub) || dh_public(dh, pub, n))
		return -1;
	pl_data_build(b, PL_KE, (uint16_t)g, pub, n);
	return 0;
}
