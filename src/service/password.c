/* password — see password.h. The hashing parameters are fixed here (not libsodium's presets):
 * OWASP's argon2id setting costs 19 MiB a hash, where the INTERACTIVE preset (64 MiB) would break
 * the 64 MB target with one login. Hashes run one at a time (PASSWORD_HASHES_AT_ONCE), whatever
 * the number of cores: the server's own ~24 MB, its kept pages (bounded, ~9 MB when every store
 * is full) and one hash stay under 64 MB, where one hash per core took 38 MiB on two cores and
 * left too little for the rest (docs/performance.md). A hash takes ~20 ms, so logins
 * still pass at ~75 a second on two cores (~170 at two at a time), far above a deadline rush's. */
#include "service/password.h"

#include <crypt.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define PASSWORD_OPSLIMIT 2ULL
#define PASSWORD_MEMLIMIT ((size_t)19 * 1024 * 1024)
#define PASSWORD_MIN_CHARS 8
#define PASSWORD_MAX_CHARS 128

static pthread_once_t password_once = PTHREAD_ONCE_INIT;
enum { PASSWORD_HASHES_AT_ONCE = 1 };
static sem_t password_slots; /* each hash holds 19 MiB while it runs */
static bool password_ready;

static void password_init(void)
{
    password_ready =
        sodium_init() >= 0 && sem_init(&password_slots, 0, PASSWORD_HASHES_AT_ONCE) == 0;
}

static bool password_acquire(void)
{
    pthread_once(&password_once, password_init);
    if (!password_ready) return false;
    while (sem_wait(&password_slots) != 0)
        if (errno != EINTR) return false;
    return true;
}

static void password_release(void)
{
    sem_post(&password_slots);
}

/* ---------------------------------------------------------------- policy */

int password_policy(const char *password, char *err, size_t errlen)
{
    const char *rule = "密码须为 8 至 128 个字符，且同时包含字母和数字";
    size_t n = password ? strlen(password) : 0;
    size_t chars = 0;
    bool letter = false, digit = false;
    if (!password || !util_utf8_valid(password, n)) goto fail;
    for (const unsigned char *p = (const unsigned char *)password; *p; p++) {
        if ((*p & 0xc0) != 0x80) chars++; /* count code points, not bytes */
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) letter = true;
        if (*p >= '0' && *p <= '9') digit = true;
    }
    if (chars < PASSWORD_MIN_CHARS || chars > PASSWORD_MAX_CHARS || !letter || !digit) goto fail;
    return 0;
fail:
    if (err && errlen) {
        const char *why = !password || !util_utf8_valid(password, n) ? "（不是有效的 UTF-8 文本）"
                          : chars < PASSWORD_MIN_CHARS               ? "（不足 8 个字符）"
                          : chars > PASSWORD_MAX_CHARS               ? "（超过 128 个字符）"
                          : !letter                                  ? "（缺少字母）"
                                                                     : "（缺少数字）";
        snprintf(err, errlen, "%s%s", rule, why);
    }
    return -1;
}

/* ---------------------------------------------------------------- argon2id */

/* password_hash_reuse_for_seed: set once, before any thread starts; never set by `serve`. */
static char password_seed_pw[PASSWORD_MAX_CHARS * 4 + 1];
static char password_seed_hash[PASSWORD_HASH_MAX];

int password_hash(const char *password, char out[PASSWORD_HASH_MAX])
{
    if (password_seed_hash[0] && strcmp(password, password_seed_pw) == 0) {
        memcpy(out, password_seed_hash, PASSWORD_HASH_MAX);
        return 0;
    }
    if (!password_acquire()) return -1;
    int rc = crypto_pwhash_str_alg(out, password, strlen(password), PASSWORD_OPSLIMIT,
                                   PASSWORD_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13);
    password_release();
    return rc == 0 ? 0 : -1;
}

int password_hash_reuse_for_seed(const char *password)
{
    char h[PASSWORD_HASH_MAX];
    if (strlen(password) >= sizeof password_seed_pw || password_hash(password, h) != 0) return -1;
    snprintf(password_seed_pw, sizeof password_seed_pw, "%s", password);
    memcpy(password_seed_hash, h, PASSWORD_HASH_MAX);
    return 0;
}

static bool password_argon2_verify(const char *hash, const char *password)
{
    /* The hash carries its own parameters; refuse ones that would take more memory than ours,
     * so a planted hash cannot make a login allocate without bound. */
    if (strlen(hash) >= crypto_pwhash_STRBYTES) return false;
    const char *m = strstr(hash, "$m=");
    if (!m || strtoull(m + 3, NULL, 10) > PASSWORD_MEMLIMIT / 1024) return false;
    if (!password_acquire()) return false;
    int rc = crypto_pwhash_str_verify(hash, password, strlen(password));
    password_release();
    return rc == 0;
}

/* ---------------------------------------------------------------- legacy crypt(3) */

bool password_legacy_scheme(const char *hash)
{
    static const char *schemes[] = {"$6$", "$5$", "$2b$", "$y$"};
    if (!hash) return false;
    for (size_t i = 0; i < sizeof schemes / sizeof *schemes; i++)
        if (strncmp(hash, schemes[i], strlen(schemes[i])) == 0) return true;
    return false;
}

/* crypt(3)'s base-64 alphabet, in bcrypt's order (the SHA-crypt and yescrypt order differs,
 * the set is the same). */
static const char PASSWORD_B64[] =
    "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* The length of the run of alphabet characters at s. */
static size_t password_b64_run(const char *s)
{
    size_t n = 0;
    while (s[n] && strchr(PASSWORD_B64, s[n]))
        n++;
    return n;
}

/* "$5$" / "$6$": [rounds=N$]salt$digest — N 1000 to 999999999 as crypt writes it, a salt of 1
 * to 16 characters (crypt cuts a longer one), a digest of 43 / 86. */
static const char *password_sha_problem(const char *p, size_t digest)
{
    if (strncmp(p, "rounds=", 7) == 0) {
        p += 7;
        size_t n = strspn(p, "0123456789");
        long long r = n && n <= 9 && p[0] != '0' ? strtoll(p, NULL, 10) : 0;
        if (p[n] != '$' || r < 1000) return "rounds 须为 1000 至 999999999 的整数";
        p += n + 1;
    }
    size_t salt = password_b64_run(p);
    if (salt == 0 || salt > 16 || p[salt] != '$') return "salt 须为 1 至 16 个 crypt 字符";
    p += salt + 1;
    if (password_b64_run(p) != digest || p[digest] != '\0')
        return digest == 86 ? "SHA-512 摘要须为 86 个 crypt 字符"
                            : "SHA-256 摘要须为 43 个 crypt 字符";
    return NULL;
}

/* "$2b$": a cost of two digits 04 to 31, then 22 characters of salt and 31 of digest whose
 * last characters carry unused bits (crypt writes them zero: any other never matches). */
static const char *password_bcrypt_problem(const char *p)
{
    if (!(p[0] >= '0' && p[0] <= '3' && p[1] >= '0' && p[1] <= '9' && p[2] == '$'))
        return "bcrypt 成本须为两位数字 04 至 31";
    int cost = (p[0] - '0') * 10 + (p[1] - '0');
    if (cost < 4 || cost > 31) return "bcrypt 成本须为 04 至 31";
    p += 3;
    if (password_b64_run(p) != 53 || p[53] != '\0') return "bcrypt 的盐和摘要须共 53 个 crypt 字符";
    size_t salt_last = (size_t)(strchr(PASSWORD_B64, p[21]) - PASSWORD_B64);
    size_t hash_last = (size_t)(strchr(PASSWORD_B64, p[52]) - PASSWORD_B64);
    if (salt_last % 16 != 0 || hash_last % 4 != 0) return "bcrypt 的盐或摘要末位字符无效";
    return NULL;
}

/* "$y$": parameters$salt$digest, each in crypt's alphabet, the digest 43 characters. */
static const char *password_yescrypt_problem(const char *p)
{
    size_t params = password_b64_run(p);
    if (params == 0 || p[params] != '$') return "yescrypt 参数无效";
    p += params + 1;
    size_t salt = password_b64_run(p);
    if (salt == 0 || salt > 86 || p[salt] != '$') return "yescrypt 的盐无效";
    p += salt + 1;
    if (password_b64_run(p) != 43 || p[43] != '\0') return "yescrypt 摘要须为 43 个 crypt 字符";
    return NULL;
}

const char *password_legacy_problem(const char *hash)
{
    if (!hash || !password_legacy_scheme(hash))
        return "须为 crypt(3) 格式，以 $6$、$5$、$2b$ 或 $y$ 开头";
    if (strlen(hash) > 256) return "不超过 256 个字符";
    if (strncmp(hash, "$6$", 3) == 0) return password_sha_problem(hash + 3, 86);
    if (strncmp(hash, "$5$", 3) == 0) return password_sha_problem(hash + 3, 43);
    if (strncmp(hash, "$2b$", 4) == 0) return password_bcrypt_problem(hash + 4);
    return password_yescrypt_problem(hash + 3);
}

static bool password_legacy_verify(const char *hash, const char *password)
{
    if (!password_legacy_scheme(hash)) return false;
    /* struct crypt_data is about 32 KiB: too big for a worker thread's stack. crypt_rn (unlike
     * crypt) keeps all its state there, so concurrent logins do not trample each other. */
    struct crypt_data *cd = xcalloc(1, sizeof *cd);
    bool ok = false;
    if (!password_acquire()) goto done;
    const char *out = crypt_rn(password, hash, cd, (int)sizeof *cd);
    password_release();
    /* On failure libxcrypt may return a short "*0"-style string instead of NULL. */
    if (out && out[0] == '$' && strlen(out) == strlen(hash))
        ok = sodium_memcmp(out, hash, strlen(hash)) == 0;
done:
    sodium_memzero(cd, sizeof *cd);
    free(cd);
    return ok;
}

/* ---------------------------------------------------------------- verify */

bool password_verify(const char *hash, const char *password)
{
    if (!hash || !password) return false;
    if (strncmp(hash, "$argon2id$", 10) == 0) return password_argon2_verify(hash, password);
    return password_legacy_verify(hash, password);
}

static pthread_once_t password_dummy_once = PTHREAD_ONCE_INIT;
static char password_dummy_hash[PASSWORD_HASH_MAX];

static void password_dummy_init(void)
{
    unsigned char raw[16];
    char pw[33];
    pthread_once(&password_once, password_init);
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(pw, sizeof pw, raw, sizeof raw);
    if (password_hash(pw, password_dummy_hash) != 0) password_dummy_hash[0] = '\0';
}

void password_dummy_verify(const char *password)
{
    pthread_once(&password_dummy_once, password_dummy_init);
    /* Same parameters as a real account's hash, so the same time; the result is meaningless. */
    if (password_dummy_hash[0])
        (void)password_verify(password_dummy_hash, password ? password : "");
}
