"""The API reference: GET /api/v1/openapi.json serves the document of the repository (cacheable,
public), every operation it documents answers from a route (no 404/405 of an unknown route), the
ones not marked public ask for a session, and docs/api-reference.md is what
scripts/openapi-md.py renders from it now. tests/unit/test_openapi.c holds the same document
against the route table itself."""
import json
import os
import re
import subprocess
import sys

import smiptest as st

DOC = os.path.join(st.REPO, "data", "openapi.json")
RENDER = os.path.join(st.REPO, "scripts", "openapi-md.py")
UNKNOWN_ROUTE = "页面或接口不存在"


def repo_doc():
    with open(DOC, "rb") as f:
        return f.read()


def operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in ("get", "put", "post", "delete", "patch"):
                yield method.upper(), path, op


def test_served_document_is_the_repositorys(anon):
    r = anon.raw("GET", "/api/v1/openapi.json", cookies=False)
    assert r.status == 200, r
    assert r.headers.get("Content-Type") == "application/json; charset=utf-8"
    assert r.raw == repo_doc(), "the server answers another document than data/openapi.json"
    doc = json.loads(r.raw.decode("utf-8"))
    assert doc["openapi"] == "3.1.0"
    assert ("GET", "/api/v1/openapi.json") in {(m, p) for m, p, _ in operations(doc)}


def test_document_is_cacheable(anon):
    r = anon.raw("GET", "/api/v1/openapi.json", cookies=False)
    tag = r.headers.get("ETag")
    assert tag and re.fullmatch(r'"[0-9a-f]{16}"', tag), r.headers
    assert "no-store" not in (r.headers.get("Cache-Control") or "")
    again = anon.raw("GET", "/api/v1/openapi.json", headers={"If-None-Match": tag}, cookies=False)
    assert again.status == 304 and again.raw == b"", again
    assert again.headers.get("ETag") == tag
    other = anon.raw("GET", "/api/v1/openapi.json", headers={"If-None-Match": '"0000000000000000"'},
                     cookies=False)
    assert other.status == 200 and other.raw == repo_doc()
    # the rest of the API stays uncached
    assert anon.raw("GET", "/api/v1/districts", cookies=False).headers.get("Cache-Control") == "no-store"


def test_every_documented_operation_is_served(anon):
    """Without a session: an operation that is not public answers 401 `unauthenticated` (the
    route exists and asks for a session before anything else); a public one answers anything but
    the server's own 404/405 for a path or method it does not serve."""
    doc = json.loads(repo_doc().decode("utf-8"))
    seen = 0
    for method, path, op in operations(doc):
        url = re.sub(r"\{no\}", "X0001", re.sub(r"\{id\}", "1", path))
        body = b"{}" if method in ("POST", "PUT") else None
        headers = {"Content-Type": "application/json; charset=utf-8"} if body else {}
        r = anon.raw(method, url, body, headers, csrf=False, cookies=False)
        where = f"{method} {path}"
        assert r.status != 405, f"{where}: documented but the method is not served"
        assert not (r.status == 404 and r.error.get("message") == UNKNOWN_ROUTE), \
            f"{where}: documented but not served"
        if op["x-roles"] == ["public"]:
            assert r.status != 401, f"{where}: documented public but asks for a session: {r}"
        else:
            assert r.status == 401 and r.error.get("code") == "unauthenticated", \
                f"{where}: documented for {op['x-roles']} but answers {r}"
        seen += 1
    assert seen > 80


def test_reference_markdown_is_current():
    r = subprocess.run([sys.executable, RENDER, "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
