/* Webhook signatures: HMAC-SHA256 + base64 over each platform's string-to-sign (DingTalk query
 * sign, Feishu body sign), and the percent-encoding DingTalk's query needs. */
#include "duban/sign.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

/* base64(HMAC-SHA256(key, msg)) into out; 0 or -1. */
static int sign_hmac_b64(const void *key, size_t klen, const void *msg, size_t mlen,
			 char *out, size_t n)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;

	if (klen > (size_t)0x7fffffff)
		return -1;
	if (HMAC(EVP_sha256(), key, (int)klen, msg, mlen, mac, &maclen) == NULL)
		return -1;
	if (n < 4 * (((size_t)maclen + 2) / 3) + 1)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, mac, (int)maclen);
	return 0;
}

int sign_urlencode(const char *in, char *out, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (in == NULL || out == NULL || n == 0)
		return -1;
	for (const unsigned char *p = (const unsigned char *)in; *p != '\0'; p++) {
		int plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' ||
			    *p == '~';
		if (o + (plain ? 1 : 3) >= n)
			return -1;
		if (plain) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
	return 0;
}

int sign_dingtalk(const char *secret, long long ts_ms, char *out, size_t n)
{
	char msg[64 + 1024], b64[SIGN_MAX];
	int len;

	if (secret == NULL || out == NULL)
		return -1;
	len = snprintf(msg, sizeof msg, "%lld\n%s", ts_ms, secret);
	if (len < 0 || (size_t)len >= sizeof msg)
		return -1;
	if (sign_hmac_b64(secret, strlen(secret), msg, (size_t)len, b64, sizeof b64) != 0)
		return -1;
	return sign_urlencode(b64, out, n);
}

int sign_feishu(const char *secret, long long ts_s, char *out, size_t n)
{
	char key[64 + 1024];
	int len;

	if (secret == NULL || out == NULL)
		return -1;
	len = snprintf(key, sizeof key, "%lld\n%s", ts_s, secret);
	if (len < 0 || (size_t)len >= sizeof key)
		return -1;
	return sign_hmac_b64(key, (size_t)len, "", 0, out, n);
}
