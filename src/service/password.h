/* password — how smip stores and checks passwords: argon2id (libsodium) at OWASP's setting
 * (t = 2, m = 19 MiB) for every smip account, crypt(3) verification for the hashes imported from
 * the old platform, and the password policy users see. Hashing is deliberately slow and memory
 * hungry, so at most one hash per CPU core runs at a time; callers never hash inside a write
 * transaction. */
#ifndef SMIP_PASSWORD_H
#define SMIP_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

/* Room for an encoded argon2id hash (crypto_pwhash_STRBYTES). */
#define PASSWORD_HASH_MAX 128

/* The policy: 8 to 128 characters (UTF-8 code points), at least one letter and one digit.
 * Returns 0, or -1 with a Chinese reason in err (which names the rule, not the field). */
int password_policy(const char *password, char *err, size_t errlen);

/* Hashes with argon2id into out. Returns 0, or -1 when libsodium fails (out of memory). */
int password_hash(const char *password, char out[PASSWORD_HASH_MAX]);

/* True when password matches hash: an argon2id hash of smip's own, or a legacy crypt(3) hash
 * ($6$ $5$ $2b$ $y$). Any other or malformed hash never matches. */
bool password_verify(const char *hash, const char *password);

/* True when hash starts with one of the crypt(3) schemes the old platform may have used. */
bool password_legacy_scheme(const char *hash);

/* Why a legacy crypt(3) hash can never match any password — its form is not what crypt(3)
 * writes for its scheme (a bcrypt cost outside 04–31, a digest of the wrong length, a
 * character outside crypt's alphabet, a salt crypt would cut) — as a Chinese sentence; NULL
 * when it is well formed. Checked by form only: running crypt(3) on each line of an import
 * would cost up to the hash's own cost (2^31 rounds for "$2b$31$"). */
const char *password_legacy_problem(const char *hash);

/* Spends as long as password_verify on a real account, so an unknown user name cannot be told
 * from a wrong password by the time the answer takes. */
void password_dummy_verify(const char *password);

/* Seed-only (`smip seed`, never the server): hashes `password` once and makes every later
 * password_hash() of exactly that password in this process return the same hash (same salt),
 * so thousands of seeded accounts sharing one password cost one argon2id run, not thousands.
 * The hash is a real argon2id hash of the password: login verifies it like any other. */
int password_hash_reuse_for_seed(const char *password);

#endif
