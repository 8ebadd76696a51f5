/* argon2id password hashes, random session tokens and their digests (see duban/password.h). */
#include "duban/password.h"

#include <argon2.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#define HASH_T_COST 2
#define HASH_M_COST (19 * 1024)   /* KiB: OWASP's argon2id minimum */
#define HASH_PARALLELISM 1
#define HASH_SALT_LEN 16
#define HASH_OUT_LEN 32

static int random_bytes(unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = getrandom(buf + got, n - got, 0);
		if (k < 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

static void to_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int password_hash(const char *password, char out[PASSWORD_HASH_LEN], char *err, size_t errlen)
{
	unsigned char salt[HASH_SALT_LEN];
	int rc;

	if (random_bytes(salt, sizeof(salt)) != 0) {
		snprintf(err, errlen, "no random numbers for the salt");
		return -1;
	}
	rc = argon2id_hash_encoded(HASH_T_COST, HASH_M_COST, HASH_PARALLELISM, password,
				   strlen(password), salt, sizeof(salt), HASH_OUT_LEN, out,
				   PASSWORD_HASH_LEN);
	if (rc != ARGON2_OK) {
		snprintf(err, errlen, "argon2id: %s", argon2_error_message(rc));
		return -1;
	}
	return 0;
}

bool password_verify(const char *encoded, const char *password)
{
	if (strncmp(encoded, "$argon2id$", 10) != 0)
		return false;
	return argon2id_verify(encoded, password, strlen(password)) == ARGON2_OK;
}

int password_token(char out[PASSWORD_TOKEN_LEN])
{
	unsigned char raw[32];

	if (random_bytes(raw, sizeof(raw)) != 0)
		return -1;
	to_hex(raw, sizeof(raw), out);
	return 0;
}

void password_token_digest(const char *token, char out[PASSWORD_TOKEN_LEN])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)token, strlen(token), md);
	to_hex(md, sizeof(md), out);
}

int password_read(void *f, char *buf, size_t len, char *err, size_t errlen)
{
	size_t n;

	if (fgets(buf, (int)len, (FILE *)f) == NULL) {
		snprintf(err, errlen, "no password on standard input");
		return -1;
	}
	n = strlen(buf);
	if (n > 0 && buf[n - 1] != '\n' && n + 1 >= len) {
		snprintf(err, errlen, "password longer than %d bytes", PASSWORD_MAX_LEN);
		return -1;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (n < PASSWORD_MIN_LEN) {
		snprintf(err, errlen, "password shorter than %d characters", PASSWORD_MIN_LEN);
		return -1;
	}
	return 0;
}
