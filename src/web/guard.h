/* guard — what one client may hold of the server: connections per address, and deadlines for a
 * request's headers and body that count from their start, not from the last byte (a client
 * sending one byte every few seconds would otherwise keep a connection forever: slowloris). */
#ifndef SMIP_WEB_GUARD_H
#define SMIP_WEB_GUARD_H

#include <microhttpd.h>
#include <stdint.h>

typedef struct web_guard_config {
    unsigned max_per_addr;   /* open connections of one address (0: no limit) */
    unsigned header_timeout; /* seconds from a connection's start, or its last answer, to the
                                next request's complete headers */
    unsigned body_timeout;   /* seconds for a body, plus one per body_rate bytes it declares */
    unsigned body_rate;      /* bytes a second a body must average, at least */
    /* Addresses the limit per address does not apply to: the reverse proxy in front
     * (docs/deploy.md), through which every client comes. Textual, comma-separated. */
    const char *trusted;
} web_guard_config;

/* Starts the watchdog thread; 0, or -1 with a message on stderr (a bad address in trusted). */
int web_guard_start(const web_guard_config *cfg);
/* Stops it, after libmicrohttpd has stopped. */
void web_guard_stop(void);
/* True when `sa` is one of the trusted addresses (the proxy whose X-Real-IP names the client). */
int web_guard_trusted(const struct sockaddr *sa);

/* libmicrohttpd's accept policy (MHD_OPTION_APC) and connection notice
 * (MHD_OPTION_NOTIFY_CONNECTION). */
enum MHD_Result web_guard_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen);
void web_guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                      enum MHD_ConnectionNotificationCode code);

/* The request's headers are in: its body (of `declared` bytes, or up to `limit` when not
 * declared) has its own deadline; without a body, none until the answer is sent. */
void web_guard_headers_done(struct MHD_Connection *conn, int has_body, uint64_t declared,
                            uint64_t limit);
/* The body is in (the handler runs: no deadline). */
void web_guard_body_done(struct MHD_Connection *conn);
/* The answer is sent: the next request's headers are due within header_timeout. */
void web_guard_request_done(struct MHD_Connection *conn);

#endif
