/* SPDX-License-Identifier: Apache-2.0 */
#include "daemon/ikemsg/proto.h"

#include <stddef.h>

struct name {
	unsigned v;
	const char *s;
};

static const char *lookup(const struct name *t, size_t n, unsigned v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].s;
	return "UNKNOWN";
}

#define LOOKUP(t, v) lookup(t, sizeof(t) / sizeof(t[0]), v)

const char *ike_exchange_name(unsigned x)
{
	static const struct name t[] = {
		{ IKE_SA_INIT, "IKE_SA_INIT" }, { IKE_AUTH, "IKE_AUTH" },
		{ CREATE_CHILD_SA, "CREATE_CHILD_SA" }, { INFORMATIONAL, "INFORMATIONAL" },
	};
	return LOOKUP(t, x);
}

const char *ike_payload_name(unsigned p)
{
	static const struct name t[] = {
		{ PL_SA, "SA" }, { PL_KE, "KE" }, { PL_IDI, "IDi" }, { PL_IDR, "IDr" },
		{ PL_CERT, "CERT" }, { PL_CERTREQ, "CERTREQ" }, { PL_AUTH, "AUTH" },
		{ PL_NONCE, "Nonce" }, { PL_NOTIFY, "N" }, { PL_DELETE, "D" },
		{ PL_VENDOR, "V" }, { PL_TSI, "TSi" }, { PL_TSR, "TSr" }, { PL_SK, "SK" },
		{ PL_CP, "CP" }, { PL_EAP, "EAP" }, { PL_SKF, "SKF" },
	};
	return LOOKUP(t, p);
}

const char *ike_notify_name(unsigned n)
{
	static const struct name t[] = {
		{ N_UNSUPPORTED_CRITICAL_PAYLOAD, "UNSUPPORTED_CRITICAL_PAYLOAD" },
		{ N_INVALID_IKE_SPI, "INVALID_IKE_SPI" },
		{ N_INVALID_MAJOR_VERSION, "INVALID_MAJOR_VERSION" },
		{ N_INVALID_SYNTAX, "INVALID_SYNTAX" },
		{ N_INVALID_MESSAGE_ID, "INVALID_MESSAGE_ID" },
		{ N_INVALID_SPI, "INVALID_SPI" },
		{ N_NO_PROPOSAL_CHOSEN, "NO_PROPOSAL_CHOSEN" },
		{ N_INVALID_KE_PAYLOAD, "INVALID_KE_PAYLOAD" },
		{ N_AUTHENTICATION_FAILED, "AUTHENTICATION_FAILED" },
		{ N_SINGLE_PAIR_REQUIRED, "SINGLE_PAIR_REQUIRED" },
		{ N_NO_ADDITIONAL_SAS, "NO_ADDITIONAL_SAS" },
		{ N_INTERNAL_ADDRESS_FAILURE, "INTERNAL_ADDRESS_FAILURE" },
		{ N_FAILED_CP_REQUIRED, "FAILED_CP_REQUIRED" },
		{ N_TS_UNACCEPTABLE, "TS_UNACCEPTABLE" },
		{ N_INVALID_SELECTORS, "INVALID_SELECTORS" },
		{ N_TEMPORARY_FAILURE, "TEMPORARY_FAILURE" },
		{ N_CHILD_SA_NOT_FOUND, "CHILD_SA_NOT_FOUND" },
		{ N_INITIAL_CONTACT, "INITIAL_CONTACT" },
		{ N_SET_WINDOW_SIZE, "SET_WINDOW_SIZE" },
		{ N_ADDITIONAL_TS_POSSIBLE, "ADDITIONAL_TS_POSSIBLE" },
		{ N_IPCOMP_SUPPORTED, "IPCOMP_SUPPORTED" },
		{ N_NAT_DETECTION_SOURCE_IP, "NAT_DETECTION_SOURCE_IP" },
		{ N_NAT_DETECTION_DESTINATION_IP, "NAT_DETECTION_DESTINATION_IP" },
		{ N_COOKIE, "COOKIE" },
		{ N_USE_TRANSPORT_MODE, "USE_TRANSPORT_MODE" },
		{ N_REKEY_SA, "REKEY_SA" },
		{ N_ESP_TFC_PADDING_NOT_SUPPORTED, "ESP_TFC_PADDING_NOT_SUPPORTED" },
		{ N_NON_FIRST_FRAGMENTS_ALSO, "NON_FIRST_FRAGMENTS_ALSO" },
		{ N_MOBIKE_SUPPORTED, "MOBIKE_SUPPORTED" },
		{ N_CHILDLESS_IKEV2_SUPPORTED, "CHILDLESS_IKEV2_SUPPORTED" },
		{ N_IKEV2_FRAGMENTATION_SUPPORTED, "IKEV2_FRAGMENTATION_SUPPORTED" },
		{ N_SIGNATURE_HASH_ALGORITHMS, "SIGNATURE_HASH_ALGORITHMS" },
	};
	return LOOKUP(t, n);
}
