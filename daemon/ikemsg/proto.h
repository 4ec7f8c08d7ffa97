/* SPDX-License-Identifier: Apache-2.0 */
/* IKEv2 wire numbers (RFC 7296 section 3, IANA registries) and their names,
 * so logs say AUTHENTICATION_FAILED rather than 24.  Wire formats only. */
#ifndef MCVPN_IKE_PROTO_H
#define MCVPN_IKE_PROTO_H

#include <stdint.h>

#define IKE_HDR_LEN 28
#define IKE_GENERIC_HDR_LEN 4
#define IKE_VERSION 0x20
#define IKE_MAX_MSG 65535
#define IKE_PORT 500
#define IKE_NATT_PORT 4500
/* Nonce payload data (RFC 7296 3.9): 16 to 256 bytes, whatever the peer chose */
#define IKE_NONCE_MIN 16
#define IKE_NONCE_MAX 256

enum ike_exchange {
	IKE_SA_INIT = 34,
	IKE_AUTH = 35,
	CREATE_CHILD_SA = 36,
	INFORMATIONAL = 37,
};

enum ike_flags {
	IKE_FLAG_I = 0x08,	/* sender is the original initiator */
	IKE_FLAG_V = 0x10,
	IKE_FLAG_R = 0x20,	/* message is a response */
};

enum ike_payload {
	PL_NONE = 0,
	PL_SA = 33,
	PL_KE = 34,
	PL_IDI = 35,
	PL_IDR = 36,
	PL_CERT = 37,
	PL_CERTREQ = 38,
	PL_AUTH = 39,
	PL_NONCE = 40,
	PL_NOTIFY = 41,
	PL_DELETE = 42,
	PL_VENDOR = 43,
	PL_TSI = 44,
	PL_TSR = 45,
	PL_SK = 46,
	PL_CP = 47,
	PL_EAP = 48,
	PL_SKF = 53,
};
#define PL_FIRST PL_SA
#define PL_LAST PL_SKF
#define PL_BIT(t) (1ull << ((t) - PL_FIRST))
#define PL_CRITICAL 0x80

enum ike_protocol { PROTO_IKE = 1, PROTO_AH = 2, PROTO_ESP = 3 };

enum ike_transform_type {
	TRANS_ENCR = 1,
	TRANS_PRF = 2,
	TRANS_INTEG = 3,
	TRANS_DH = 4,
	TRANS_ESN = 5,
};
#define TRANS_ATTR_KEYLEN 14
#define TRANS_ATTR_TV 0x8000

/* RFC 7296 3.8, RFC 4754 (ECDSA r|s), RFC 7427 (Digital Signature). */
enum ike_auth_method {
	AUTH_METHOD_RSA = 1,		/* RSASSA-PKCS1-v1_5 with SHA-1 */
	AUTH_METHOD_PSK = 2,
	AUTH_METHOD_ECDSA_256 = 9,	/* P-256 with SHA-256, r|s */
	AUTH_METHOD_ECDSA_384 = 10,
	AUTH_METHOD_ECDSA_521 = 11,
	AUTH_METHOD_DIGITAL_SIGNATURE = 14,
};

/* CERT and CERTREQ encodings (RFC 7296 3.6): the only one IKEv2 requires. */
enum ike_cert_encoding { CERT_X509_SIGNATURE = 4 };

enum ike_id_type {
	ID_IPV4_ADDR = 1,
	ID_FQDN = 2,
	ID_RFC822_ADDR = 3,
	ID_IPV6_ADDR = 5,
	ID_DER_ASN1_DN = 9,
	ID_KEY_ID = 11,
};

enum ike_ts_type { TS_IPV4_ADDR_RANGE = 7, TS_IPV6_ADDR_RANGE = 8 };

enum ike_notify {
	/* errors */
	N_UNSUPPORTED_CRITICAL_PAYLOAD = 1,
	N_INVALID_IKE_SPI = 4,
	N_INVALID_MAJOR_VERSION = 5,
	N_INVALID_SYNTAX = 7,
	N_INVALID_MESSAGE_ID = 9,
	N_INVALID_SPI = 11,
	N_NO_PROPOSAL_CHOSEN = 14,
	N_INVALID_KE_PAYLOAD = 17,
	N_AUTHENTICATION_FAILED = 24,
	N_SINGLE_PAIR_REQUIRED = 34,
	N_NO_ADDITIONAL_SAS = 35,
	N_INTERNAL_ADDRESS_FAILURE = 36,
	N_FAILED_CP_REQUIRED = 37,
	N_TS_UNACCEPTABLE = 38,
	N_INVALID_SELECTORS = 39,
	N_TEMPORARY_FAILURE = 43,
	N_CHILD_SA_NOT_FOUND = 44,
	/* status */
	N_INITIAL_CONTACT = 16384,
	N_SET_WINDOW_SIZE = 16385,
	N_ADDITIONAL_TS_POSSIBLE = 16386,
	N_IPCOMP_SUPPORTED = 16387,
	N_NAT_DETECTION_SOURCE_IP = 16388,
	N_NAT_DETECTION_DESTINATION_IP = 16389,
	N_COOKIE = 16390,
	N_USE_TRANSPORT_MODE = 16391,
	N_REKEY_SA = 16393,
	N_ESP_TFC_PADDING_NOT_SUPPORTED = 16394,
	N_NON_FIRST_FRAGMENTS_ALSO = 16395,
	N_MOBIKE_SUPPORTED = 16396,
	N_CHILDLESS_IKEV2_SUPPORTED = 16418,
	N_IKEV2_FRAGMENTATION_SUPPORTED = 16430,
	N_SIGNATURE_HASH_ALGORITHMS = 16431,
};
#define N_ERROR_MAX 16383

const char *ike_exchange_name(unsigned x);
const char *ike_payload_name(unsigned t);
const char *ike_notify_name(unsigned n);

#endif
