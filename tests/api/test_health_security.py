"""Health check, security headers on HTML and JSON, and the server's handling of bad bodies:
wrong media type (415), malformed JSON and invalid UTF-8 (400), oversized bodies (413)."""
import json
import re
from urllib.parse import urljoin

import pytest

import smiptest as st
from smiptest import assert_error

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")


def check_security_headers(resp, what):
    h = resp.headers
    for name in SECURITY_HEADERS:
        assert h.get(name), f"{what}: missing {name} (status {resp.status}, headers {dict(h)})"
    assert h.get("X-Content-Type-Options").strip().lower() == "nosniff", what
    assert h.get("X-Frame-Options").strip().upper() == "DENY", what


def test_healthz(anon):
    r = anon.raw("GET", "/healthz")
    assert r.status == 200
    assert "application/json" in r.headers.get("Content-Type", "")
    assert r.body == {"ok": True}


def test_security_headers_on_json(anon, admin):
    check_security_headers(anon.raw("GET", "/healthz"), "GET /healthz")
    check_security_headers(anon.get("/districts"), "GET /districts")
    r = anon.get("/me")
    assert r.status == 401
    check_security_headers(r, "401 GET /me")
    check_security_headers(admin.get("/me"), "GET /me (admin)")
    check_security_headers(anon.raw("GET", "/no-such-page"), "404 of an unknown page")
    check_security_headers(anon.post("/session", {"username": st.unique("x"), "password": "y"}), "login refusal")


def get_html(client, path):
    for _ in range(4):
        r = client.raw("GET", path, headers={"Accept": "text/html"})
        if r.status in (301, 302, 303, 307, 308) and r.headers.get("Location"):
            check_security_headers(r, f"redirect of {path}")
            path = urljoin("http://x" + path, r.headers["Location"]).replace("http://x", "", 1)
            if path.startswith("http"):
                path = "/" + path.split("/", 3)[3]
            continue
        return r
    return r


@pytest.mark.parametrize("path", ["/", "/login"])
def test_security_headers_on_html(anon, path):
    r = get_html(anon, path)
    assert "text/html" in r.headers.get("Content-Type", ""), (r.status, dict(r.headers))
    check_security_headers(r, f"HTML {path}")
    csp = r.headers["Content-Security-Policy"]
    assert "default-src" in csp or "script-src" in csp, csp


@pytest.mark.parametrize("path", ["/", "/login"])
def test_html_pages_answer(anon, path):
    r = get_html(anon, path)
    assert r.status == 200, r
    assert "text/html" in r.headers.get("Content-Type", "")


def test_unknown_api_path_is_json_404(anon, admin):
    assert_error(anon.get("/no-such-endpoint-at-all"), 404, "not_found")
    assert_error(admin.get("/no-such-endpoint-at-all"), 404, "not_found")


def test_json_endpoint_refuses_wrong_content_type(anon):
    body = json.dumps({"username": st.unique("u"), "password": "Abcdefg123"}).encode()
    r = anon.call("POST", "/accounts", data=body, content_type="text/plain")
    assert_error(r, 415, "unsupported_media_type")
    r = anon.call("POST", "/session", data=body, content_type="application/x-www-form-urlencoded")
    assert_error(r, 415, "unsupported_media_type")


def test_wrong_content_type_on_authenticated_endpoint(shared_enterprise, anon):
    body = json.dumps(st.project_body()).encode()
    assert_error(shared_enterprise.c.call("POST", "/projects", data=body, content_type="text/plain"),
                 415, "unsupported_media_type")
    # without a session the 401 comes first
    assert_error(anon.call("POST", "/projects", data=body, content_type="text/plain"), 401, "unauthenticated")


@pytest.mark.parametrize("payload", [
    b'{"username": "abc", "password": ',
    b'{"username": "abc",}',
    b"not json at all",
    b'{"a":1}{"b":2}',
])
def test_malformed_json_is_400(anon, payload):
    r = anon.call("POST", "/accounts", data=payload, content_type="application/json")
    assert_error(r, 400, "bad_request")


def test_json_must_be_an_object(anon, shared_enterprise):
    assert_error(anon.call("POST", "/accounts", data=b"[1,2,3]", content_type="application/json"),
                 400, "bad_request")
    assert_error(shared_enterprise.c.call("POST", "/projects", data=b'"a string"',
                                          content_type="application/json"), 400, "bad_request")


def test_invalid_utf8_is_400(anon, shared_enterprise):
    bad = b'{"username":"u\xff\xfeu","password":"Abcdefg123","display_name":"\xc3\x28"}'
    assert_error(anon.call("POST", "/accounts", data=bad, content_type="application/json; charset=utf-8"),
                 400, "bad_request")
    body = json.dumps(st.project_body(), ensure_ascii=False).encode().replace("智能化".encode(), b"\xe6\x99")
    assert b"\xe6\x99" in body
    assert_error(shared_enterprise.c.call("POST", "/projects", data=body, content_type="application/json"),
                 400, "bad_request")


def test_malformed_json_on_authenticated_put(shared_enterprise):
    r = shared_enterprise.c.call("PUT", "/enterprise", data=b'{"address": ', content_type="application/json")
    assert_error(r, 400, "bad_request")


def test_json_body_over_2mb_is_413_declared(server):
    total = 3_000_000
    status, hdrs, body = st.raw_http(server.port, "POST", "/api/v1/accounts",
                                     {"Content-Type": "application/json", "Content-Length": str(total)},
                                     st.pieces(total))
    assert status == 413, (status, body[:300])
    assert json.loads(body)["error"]["code"] == "too_large"


def test_json_body_over_2mb_is_413_chunked(server):
    total = 3_000_000

    def chunks():
        for p in st.pieces(total, 65536):
            yield b"%x\r\n" % len(p) + p + b"\r\n"
        yield b"0\r\n\r\n"
    status, hdrs, body = st.raw_http(server.port, "POST", "/api/v1/accounts",
                                     {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
                                     chunks())
    assert status == 413, (status, body[:300])


def test_json_body_just_under_limit_is_not_413(limits_server):
    # --max-json 4096: a 3 KB body is parsed (and refused on its merits, not its size)
    body = json.dumps({"username": "x", "password": "y", "display_name": "z" * 3000}).encode()
    assert len(body) < 4096
    c = st.Client(limits_server.base)
    r = c.call("POST", "/accounts", data=body, content_type="application/json")
    assert r.status != 413, r
    big = json.dumps({"username": "x", "password": "y", "display_name": "z" * 6000}).encode()
    status, hdrs, rb = st.raw_http(limits_server.port, "POST", "/api/v1/accounts",
                                   {"Content-Type": "application/json", "Content-Length": str(len(big))},
                                   [big])
    assert status == 413, (status, rb[:300])
    assert json.loads(rb)["error"]["code"] == "too_large"


def test_server_still_healthy_after_bad_input(anon):
    assert anon.raw("GET", "/healthz").body == {"ok": True}


# Every list answers API.md's paging the same way: limit 1–500 (default 50), offset ≥ 0; anything
# else is a 400 naming the parameter, never silently clamped.
LISTS = [("admin", "/admin/accounts"), ("commission", "/batches"), ("enterprise", "/projects"),
         ("enterprise", "/applications"), ("enterprise", "/assessments"), ("commission", "/audit"),
         ("commission", "/experts"), ("commission", "/certificates"), ("commission", "/objections"),
         ("commission", "/adjustments")]


@pytest.mark.parametrize("who,path", LISTS)
def test_paging_bounds_on_every_list(who, path, admin, commission, shared_enterprise):
    client = {"admin": admin, "commission": commission, "enterprise": shared_enterprise.c}[who]
    for q in ("limit=1", "limit=500", "limit=500&offset=0", "offset=7"):
        r = client.get(f"{path}?{q}")
        assert r.status == 200, f"GET {path}?{q}: {r.status} {r.body}"
        assert set(r.body) >= {"items", "total"}, r.body
    assert len(client.get(f"{path}?limit=1").body["items"]) <= 1
    for q, field in (("limit=0", "limit"), ("limit=501", "limit"), ("limit=-1", "limit"),
                     ("limit=abc", "limit"), ("limit=", "limit"), ("offset=-1", "offset"),
                     ("offset=1.5", "offset"), ("limit=9999999999", "limit")):
        r = client.get(f"{path}?{q}")
        assert_error(r, 400, "bad_request")
        assert field in r.body["error"].get("fields", {}), f"GET {path}?{q}: {r.body}"
        assert "limit" in r.body["error"]["fields"][field] or "offset" in r.body["error"]["fields"][field]


def test_favicon_and_meta_description(anon):
    r = anon.raw("GET", "/favicon.ico")
    assert r.status == 200, r
    assert r.headers.get("Content-Type") == "image/svg+xml"
    assert r.raw.startswith(b"<svg")
    page = st.html_page(anon, "/")
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">' in page
    m = re.search(r'<meta name="description" content="([^"]+)">', page)
    assert m and "数字化车间" in m.group(1), "no meta description"
