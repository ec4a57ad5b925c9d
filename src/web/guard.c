/* guard — connection limits per address and request deadlines (guard.h).
 *
 * libmicrohttpd's own timeout counts from a connection's last activity, so a client that sends
 * a header line every 20 s keeps its connection for ever, and 1,000 of them held every other
 * client off. Here each connection has one deadline at a time: its next request's headers are
 * due header_timeout after the connection opened or its last answer went out, its body
 * body_timeout (plus time for its size) after the headers; while its handler runs or its answer
 * goes out it has none. A watchdog thread shuts down the sockets past their deadline, which
 * libmicrohttpd then sees as a closed connection and cleans up as usual.
 *
 * Every live connection is on one list (added when libmicrohttpd starts it, removed when it
 * closes it, which it does before closing the socket), so the watchdog only ever shuts down a
 * socket that is still the connection's, and the accept policy counts an address's connections
 * from the same list. A connection the policy lets in is on the list from that moment, as a
 * reservation of the accepting thread (libmicrohttpd starts it next, in the same thread), so two
 * threads accepting at once cannot both take an address's last place. */
#include "web/guard.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "util/util.h"

/* An address as compared: the family and up to 16 bytes (IPv4-mapped IPv6 as IPv4). */
typedef struct guard_addr {
    int family;
    unsigned char bytes[16];
} guard_addr;

typedef struct guard_conn {
    struct guard_conn *prev, *next;
    int fd; /* -1 while reserved */
    guard_addr addr;
    _Atomic int64_t deadline_ms; /* monotonic; 0: none now */
} guard_conn;

enum { GUARD_MAX_TRUSTED = 8 };

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    guard_conn *head;
    web_guard_config cfg;
    guard_addr trusted[GUARD_MAX_TRUSTED];
    unsigned ntrusted;
    bool running, stop;
    pthread_t thread;
    /* Told in the log at most once a minute. */
    uint64_t refused, cut;
    int64_t told_ms;
} guard = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static int64_t guard_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool guard_addr_of(const struct sockaddr *sa, guard_addr *out)
{
    memset(out, 0, sizeof *out);
    if (!sa) return false;
    if (sa->sa_family == AF_INET) {
        out->family = AF_INET;
        memcpy(out->bytes, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a)) {
            out->family = AF_INET;
            memcpy(out->bytes, a->s6_addr + 12, 4);
        } else {
            out->family = AF_INET6;
            memcpy(out->bytes, a->s6_addr, 16);
        }
        return true;
    }
    return false;
}

static bool guard_addr_eq(const guard_addr *a, const guard_addr *b)
{
    return a->family == b->family && memcmp(a->bytes, b->bytes, sizeof a->bytes) == 0;
}

int web_guard_trusted(const struct sockaddr *sa)
{
    guard_addr a;
    if (!guard_addr_of(sa, &a)) return 0;
    for (unsigned i = 0; i < guard.ntrusted; i++)
        if (guard_addr_eq(&a, &guard.trusted[i])) return 1;
    return 0;
}

/* Parses "127.0.0.1,::1" into guard.trusted. */
static int guard_parse_trusted(const char *list)
{
    guard.ntrusted = 0;
    if (!list) return 0;
    char *copy = xstrdup(list), *save = NULL;
    int rc = 0;
    for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        guard_addr *a = &guard.trusted[guard.ntrusted];
        memset(a, 0, sizeof *a);
        if (inet_pton(AF_INET, t, a->bytes) == 1)
            a->family = AF_INET;
        else if (inet_pton(AF_INET6, t, a->bytes) == 1)
            a->family = AF_INET6;
        if (!a->family || guard.ntrusted == GUARD_MAX_TRUSTED) {
            fprintf(stderr, "smip: --trusted-proxy: %s is not an IP address (or more than %d)\n", t,
                    GUARD_MAX_TRUSTED);
            rc = -1;
            break;
        }
        guard.ntrusted++;
    }
    free(copy);
    return rc;
}

/* ---------------------------------------------------------------- libmicrohttpd's calls */

/* This thread's place taken by the accept policy for the connection libmicrohttpd starts next
 * (NULL: none). Still set at the next accept only when libmicrohttpd dropped that connection
 * before starting it (its own limit, no memory): the place is then given back. */
static __thread guard_conn *guard_reserved;

static void guard_link(guard_conn *c)
{
    c->prev = NULL;
    c->next = guard.head;
    if (guard.head) guard.head->prev = c;
    guard.head = c;
}

static void guard_unlink(guard_conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        guard.head = c->next;
    if (c->next) c->next->prev = c->prev;
}

enum MHD_Result web_guard_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)cls, (void)addrlen;
    guard_addr a;
    pthread_mutex_lock(&guard.mu);
    if (guard_reserved) { /* the last one this thread let in was never started */
        guard_unlink(guard_reserved);
        free(guard_reserved);
        guard_reserved = NULL;
    }
    pthread_mutex_unlock(&guard.mu);
    if (!guard.cfg.max_per_addr || !guard_addr_of(addr, &a) || web_guard_trusted(addr))
        return MHD_YES;
    guard_conn *c = xcalloc(1, sizeof *c);
    c->fd = -1;
    c->addr = a;
    unsigned n = 0;
    pthread_mutex_lock(&guard.mu);
    for (guard_conn *o = guard.head; o && n < guard.cfg.max_per_addr; o = o->next)
        if (guard_addr_eq(&o->addr, &a)) n++;
    bool ok = n < guard.cfg.max_per_addr;
    if (ok) {
        guard_link(c);
        guard_reserved = c;
        c = NULL;
    } else {
        guard.refused++;
    }
    pthread_mutex_unlock(&guard.mu);
    free(c);
    return ok ? MHD_YES : MHD_NO;
}

static int64_t guard_header_deadline(void)
{
    return guard.cfg.header_timeout ? guard_now_ms() + 1000 * (int64_t)guard.cfg.header_timeout : 0;
}

void web_guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                      enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fd =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *ad =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        guard_addr a;
        guard_addr_of(ad ? ad->client_addr : NULL, &a);
        pthread_mutex_lock(&guard.mu);
        guard_conn *c = guard_reserved;
        guard_reserved = NULL;
        if (!c) { /* a trusted or unlimited address: nothing was reserved */
            c = xcalloc(1, sizeof *c);
            guard_link(c);
        }
        c->addr = a;
        c->fd = fd ? fd->connect_fd : -1;
        atomic_store(&c->deadline_ms, guard_header_deadline());
        pthread_mutex_unlock(&guard.mu);
        *socket_context = c;
        return;
    }
    guard_conn *c = *socket_context;
    if (!c) return;
    pthread_mutex_lock(&guard.mu);
    guard_unlink(c);
    pthread_mutex_unlock(&guard.mu);
    free(c);
    *socket_context = NULL;
}

static guard_conn *guard_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

void web_guard_headers_done(struct MHD_Connection *conn, int has_body, uint64_t declared,
                            uint64_t limit)
{
    guard_conn *c = guard_of(conn);
    if (!c) return;
    int64_t deadline = 0;
    if (has_body && guard.cfg.body_timeout) {
        uint64_t size = declared ? declared : limit;
        uint64_t extra = guard.cfg.body_rate ? size / guard.cfg.body_rate : 0;
        deadline = guard_now_ms() + 1000 * ((int64_t)guard.cfg.body_timeout + (int64_t)extra);
    }
    atomic_store(&c->deadline_ms, deadline);
}

void web_guard_body_done(struct MHD_Connection *conn)
{
    guard_conn *c = guard_of(conn);
    if (c) atomic_store(&c->deadline_ms, 0);
}

void web_guard_request_done(struct MHD_Connection *conn)
{
    guard_conn *c = guard_of(conn);
    if (c) atomic_store(&c->deadline_ms, guard_header_deadline());
}

/* ---------------------------------------------------------------- the watchdog */

static void guard_sweep(int64_t now)
{
    pthread_mutex_lock(&guard.mu);
    for (guard_conn *c = guard.head; c; c = c->next) {
        int64_t d = atomic_load(&c->deadline_ms);
        if (!d || now < d || c->fd < 0) continue;
        /* The socket is still this connection's: it leaves the list before it is closed. */
        shutdown(c->fd, SHUT_RDWR);
        atomic_store(&c->deadline_ms, 0);
        guard.cut++;
    }
    if ((guard.cut || guard.refused) && now - guard.told_ms >= 60000) {
        fprintf(stderr,
                "smip: %llu connections closed past their request deadline, %llu refused over "
                "the limit per address, since the last report\n",
                (unsigned long long)guard.cut, (unsigned long long)guard.refused);
        guard.cut = guard.refused = 0;
        guard.told_ms = now;
    }
    pthread_mutex_unlock(&guard.mu);
}

static void *guard_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&guard.mu);
    while (!guard.stop) {
        pthread_mutex_unlock(&guard.mu);
        guard_sweep(guard_now_ms());
        pthread_mutex_lock(&guard.mu);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 250 * 1000000L;
        if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
        if (!guard.stop) pthread_cond_timedwait(&guard.cv, &guard.mu, &until);
    }
    pthread_mutex_unlock(&guard.mu);
    return NULL;
}

int web_guard_start(const web_guard_config *cfg)
{
    guard.cfg = *cfg;
    guard.cfg.trusted = NULL;
    if (guard_parse_trusted(cfg->trusted) != 0) return -1;
    guard.stop = false;
    guard.told_ms = guard_now_ms();
    if (pthread_create(&guard.thread, NULL, guard_main, NULL) != 0) return -1;
    guard.running = true;
    return 0;
}

void web_guard_stop(void)
{
    if (!guard.running) return;
    pthread_mutex_lock(&guard.mu);
    guard.stop = true;
    pthread_cond_broadcast(&guard.cv);
    pthread_mutex_unlock(&guard.mu);
    pthread_join(guard.thread, NULL);
    guard.running = false;
    /* Left: the places reserved for connections libmicrohttpd never started. */
    pthread_mutex_lock(&guard.mu);
    while (guard.head) {
        guard_conn *c = guard.head;
        guard_unlink(c);
        free(c);
    }
    pthread_mutex_unlock(&guard.mu);
}
