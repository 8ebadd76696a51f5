/* Passwords and session secrets of the console's users (SPEC §5 `user`, §10): argon2id hashes
 * (libargon2), random tokens, and the SHA-256 under which a session token is stored. */
#ifndef DUBAN_PASSWORD_H
#define DUBAN_PASSWORD_H
#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_MIN_LEN 8
#define PASSWORD_MAX_LEN 1024
#define PASSWORD_HASH_LEN 160    /* room for an encoded argon2id hash */
#define PASSWORD_TOKEN_LEN 65    /* 32 random bytes as hex, NUL-terminated */

/* Hashes password with argon2id (t=2, m=19 MiB, p=1, 16-byte random salt) into the encoded
 * form "$argon2id$v=19$m=...". Returns 0 or -1 with the reason in err. */
int password_hash(const char *password, char out[PASSWORD_HASH_LEN], char *err, size_t errlen);

/* True when password matches the encoded argon2id hash. */
bool password_verify(const char *encoded, const char *password);

/* A fresh random token, 64 hex digits. Returns 0 or -1 (no randomness). */
int password_token(char out[PASSWORD_TOKEN_LEN]);

/* The SHA-256 of token as 64 hex digits (what the database stores of a session token). */
void password_token_digest(const char *token, char out[PASSWORD_TOKEN_LEN]);

/* Reads one password line from f (the newline removed). Returns 0, or -1 with err
 * (missing, too short or too long). */
int password_read(void *f, char *buf, size_t len, char *err, size_t errlen);

#endif
