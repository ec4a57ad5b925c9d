/* api_certification — API.md "Review side", second half: 公示, objections, certification, the
 * public certificate check, the PDF certificate and what follows certification (re-review,
 * revocation, the enterprise's request, recommendation marks, rename/restructure). Thin: read
 * the path, query and body, call service/publicity or service/certificate, answer. Roles and the
 * object in the path are checked by the route table and the loaders below before the body is
 * read; the services check again. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "service/certificate.h"
#include "service/publicity.h"
#include "web/guard.h"
#include "web/handlers.h"

/* ---------------------------------------------------------------- helpers */

/* The certificate number of the path: {no}, or {no}.pdf with the suffix taken off. */
static const char *api_ce_no(req *r, bool *pdf)
{
    const char *p = web_param(r, 0);
    size_t n = strlen(p);
    bool is_pdf = n > 4 && strcmp(p + n - 4, ".pdf") == 0;
    if (pdf) *pdf = is_pdf;
    return is_pdf ? arena_strndup(r->a, p, n - 4) : p;
}

/* A positive decimal query id: 0 when absent, -1 (after answering 400) when malformed. */
static int64_t api_ce_query_id(req *r, const char *key)
{
    int64_t v = 0;
    return web_query_int(r, key, 1, INT64_MAX, "编号", &v) < 0 ? -1 : v;
}

/* A textual IP address (v4 or v6), copied trimmed into out; false when it is none. */
static bool api_ce_ip(const char *s, size_t n, char *out, size_t len)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0 || n >= len) return false;
    memcpy(out, s, n);
    out[n] = '\0';
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, out, buf) == 1 || inet_pton(AF_INET6, out, buf) == 1;
}

const char *api_client_address(req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    char *out = arena_alloc(r->a, INET6_ADDRSTRLEN + 1);
    out[0] = '\0';
    if (!sa) return "unknown";
    /* The reverse proxy of docs/deploy.md (--trusted-proxy) sets X-Real-IP from $remote_addr,
     * never passed through from the client; anyone else is taken by the socket's address,
     * whatever headers it sends, so a remote client cannot choose its own rate-limit bucket. */
    if (web_guard_trusted(sa)) {
        const char *real = web_header(r, "X-Real-IP");
        const char *xff = web_header(r, "X-Forwarded-For");
        if (real && api_ce_ip(real, strlen(real), out, INET6_ADDRSTRLEN + 1)) return out;
        if (xff) {
            const char *last = strrchr(xff, ',');
            last = last ? last + 1 : xff;
            if (api_ce_ip(last, strlen(last), out, INET6_ADDRSTRLEN + 1)) return out;
        }
    }
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, INET6_ADDRSTRLEN);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, INET6_ADDRSTRLEN);
    return out[0] ? out : "unknown";
}

typedef int (*api_ce_no_action)(svc_ctx *, const char *, const json_t *, json_t **, svc_err *);
typedef int (*api_ce_id_action)(svc_ctx *, int64_t, const json_t *, json_t **, svc_err *);

static int api_ce_by_no(req *r, api_ce_no_action fn, int status)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = fn(&c, api_ce_no(r, NULL), web_body(r), &out, &e);
    return web_answer(r, rc, status, out, &e);
}

static int api_ce_by_id(req *r, api_ce_id_action fn, int status)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = fn(&c, web_param_id(r, 0), web_body(r), &out, &e);
    return web_answer(r, rc, status, out, &e);
}

/* ---------------------------------------------------------------- loaders (before the body) */

static int api_ce_loaded(req *r, int rc, svc_err *e)
{
    if (rc == 0) return 0;
    web_error(r, e);
    return -1;
}

int api_load_batch(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    return api_ce_loaded(r, svc_pub_batch_check(&c, web_param_id(r, 0), &e), &e);
}

int api_load_objection(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    return api_ce_loaded(r, svc_pub_objection_check(&c, web_param_id(r, 0), &e), &e);
}

int api_load_certificate(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    return api_ce_loaded(r, svc_cert_check_visible(&c, api_ce_no(r, NULL), &e), &e);
}

int api_load_adjustment(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    return api_ce_loaded(r, svc_cert_adjustment_check(&c, web_param_id(r, 0), &e), &e);
}

/* ---------------------------------------------------------------- 公示, objections */

int api_publicity_create(req *r)
{
    return api_ce_by_id(r, svc_pub_publish, 201);
}

int api_public_publicity(req *r)
{
    int64_t limit, offset, batch = api_ce_query_id(r, "batch_id");
    if (batch < 0 || web_paging(r, &limit, &offset) != 0) return 0;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_pub_list(&c, batch, limit, offset, &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_public_objection_create(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_pub_objection_create(&c, web_body(r), api_client_address(r), &out, &e);
    return web_answer(r, rc, 201, out, &e);
}

int api_objections_list(req *r)
{
    int64_t limit, offset, batch = api_ce_query_id(r, "batch_id");
    if (batch < 0 || web_paging(r, &limit, &offset) != 0) return 0;
    const char *status = web_query(r, "status");
    if (status && strcmp(status, "open") != 0 && strcmp(status, "upheld") != 0 &&
        strcmp(status, "dismissed") != 0)
        return web_bad_fields(
                   r, json_pack("{s:s}", "status",
                                "应为 open（待处理）、upheld（成立）或 dismissed（不成立）")),
               0;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_pub_objections_list(&c, batch, status, limit, offset, &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_objection_resolve(req *r)
{
    return api_ce_by_id(r, svc_pub_objection_resolve, 200);
}

/* ---------------------------------------------------------------- certification */

int api_certify(req *r)
{
    return api_ce_by_id(r, svc_cert_certify, 200);
}

int api_public_certificate(req *r)
{
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_cert_public(&c, web_param(r, 0), &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

int api_certificates_list(req *r)
{
    int64_t limit, offset;
    if (web_paging(r, &limit, &offset) != 0) return 0;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_cert_list(&c, limit, offset, &out, &e);
    return web_answer(r, rc, 200, out, &e);
}

/* GET /certificates/{no} (JSON) and /certificates/{no}.pdf (the certificate). */
int api_certificate_get(req *r)
{
    bool pdf = false;
    const char *no = api_ce_no(r, &pdf);
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    if (!pdf) {
        json_t *out = NULL;
        int rc = svc_cert_get(&c, no, &out, &e);
        return web_answer(r, rc, 200, out, &e);
    }
    char *data = NULL;
    size_t len = 0;
    if (svc_cert_pdf(&c, no, &data, &len, &e) != 0) return web_error(r, &e);
    free(r->disposition);
    r->disposition = xasprintf("inline; filename=\"certificate-%s.pdf\"", no);
    return web_bytes(r, 200, "application/pdf", data, len);
}

int api_cert_re_review(req *r)
{
    return api_ce_by_no(r, svc_cert_re_review, 200);
}

int api_cert_revoke(req *r)
{
    return api_ce_by_no(r, svc_cert_revoke, 200);
}

int api_cert_revocation_request(req *r)
{
    return api_ce_by_no(r, svc_cert_revocation_request, 201);
}

int api_cert_recommendation(req *r)
{
    return api_ce_by_no(r, svc_cert_recommend, 200);
}

int api_cert_adjustment_create(req *r)
{
    return api_ce_by_no(r, svc_cert_adjustment_create, 201);
}

int api_adjustment_review(req *r)
{
    return api_ce_by_id(r, svc_cert_adjustment_review, 200);
}

int api_adjustments_list(req *r)
{
    int64_t limit, offset;
    if (web_paging(r, &limit, &offset) != 0) return 0;
    const char *status = web_query(r, "status");
    static const char *const known[] = {"pending_district", "pending_commission", "approved",
                                        "rejected"};
    bool ok = !status;
    for (size_t i = 0; status && i < sizeof known / sizeof known[0]; i++)
        ok = ok || strcmp(status, known[i]) == 0;
    if (!ok)
        return web_bad_fields(r, json_pack("{s:s}", "status",
                                           "应为 pending_district、pending_commission、approved "
                                           "或 rejected")),
               0;
    svc_ctx c = web_svc(r);
    svc_err e = {0};
    json_t *out = NULL;
    int rc = svc_cert_adjustments_list(&c, status, limit, offset, &out, &e);
    return web_answer(r, rc, 200, out, &e);
}
