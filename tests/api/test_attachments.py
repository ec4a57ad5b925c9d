"""Uploads: PDF/PNG/JPEG by content, sha256 and size, 415 for other content, 413 over the limit,
access to the file (uploader yes, another enterprise 404)."""
import hashlib
import json
import os

import pytest

import smiptest as st
from smiptest import assert_error, expect

FILES = {
    "pdf": (st.make_pdf(), "application/pdf", "证明.pdf"),
    "png": (st.make_png(), "image/png", "scan.png"),
    "jpeg": (st.make_jpeg(), "image/jpeg", "photo.jpg"),
}


@pytest.mark.parametrize("kind", sorted(FILES))
def test_upload_and_download(shared_enterprise, kind):
    data, media, name = FILES[kind]
    r = shared_enterprise.c.upload(data, filename=name, ctype=media, kind="approval")
    a = expect(r, 201)
    assert isinstance(a["id"], int)
    assert a["sha256"] == hashlib.sha256(data).hexdigest()
    assert a["size"] == len(data)
    assert a["media_type"] == media
    g = shared_enterprise.c.raw("GET", f"/api/v1/attachments/{a['id']}")
    assert g.status == 200, g
    assert g.raw == data
    assert g.headers.get("Content-Type", "").split(";")[0].strip() == media
    assert g.headers.get("X-Content-Type-Options", "").lower() == "nosniff"


def test_type_is_judged_by_content_not_name(shared_enterprise):
    png = st.make_png()
    a = expect(shared_enterprise.c.upload(png, filename="looks-like.pdf", ctype="application/pdf"), 201)
    assert a["media_type"] == "image/png"
    pdf = st.make_pdf()
    a = expect(shared_enterprise.c.upload(pdf, filename="noext", ctype="application/octet-stream"), 201)
    assert a["media_type"] == "application/pdf"


@pytest.mark.parametrize("data,name", [
    (b"This is just a text file, not a PDF at all.\n" * 5, "fake.pdf"),
    (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "page.pdf"),
    (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00,"
     b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;", "image.png"),
    (b"PK\x03\x04" + b"\x00" * 60, "archive.pdf"),
])
def test_other_content_refused_415(shared_enterprise, data, name):
    r = shared_enterprise.c.upload(data, filename=name, ctype="application/pdf")
    assert_error(r, 415, "unsupported_media_type")


def test_kind_length(shared_enterprise):
    expect(shared_enterprise.c.upload(st.make_pdf(), kind="k" * 32), 201)
    assert_error(shared_enterprise.c.upload(st.make_pdf(), kind="k" * 33), 400, "bad_request", ["kind"])


def test_missing_file_field(shared_enterprise):
    ctype, body = st.multipart({"kind": "approval"}, [])
    assert_error(shared_enterprise.c.call("POST", "/attachments", data=body, content_type=ctype),
                 400, "bad_request")
    ctype, body = st.multipart({}, [("document", "a.pdf", "application/pdf", st.make_pdf())])
    assert_error(shared_enterprise.c.call("POST", "/attachments", data=body, content_type=ctype),
                 400, "bad_request")


def test_malformed_multipart(shared_enterprise):
    r = shared_enterprise.c.call("POST", "/attachments", data=b"--nothing\r\nhello",
                                 content_type="multipart/form-data; boundary=abc")
    assert_error(r, 400, "bad_request")
    r = shared_enterprise.c.call("POST", "/attachments", data=b"x", content_type="multipart/form-data")
    assert_error(r, 400, "bad_request")


def test_wrong_media_type_on_upload(shared_enterprise):
    r = shared_enterprise.c.call("POST", "/attachments", data=st.make_pdf(), content_type="application/pdf")
    assert_error(r, 415, "unsupported_media_type")
    r = shared_enterprise.c.post("/attachments", {"file": "x"})
    assert_error(r, 415, "unsupported_media_type")


def test_file_name_is_never_a_path(shared_enterprise):
    name = st.unique("evil") + ".pdf"
    data = st.make_pdf()
    a = expect(shared_enterprise.c.upload(data, filename="../../../../tmp/" + name), 201)
    assert not os.path.exists(os.path.join("/tmp", name))
    assert shared_enterprise.c.raw("GET", f"/api/v1/attachments/{a['id']}").raw == data


def test_staff_may_upload(district_yb, commission, platform):
    for c in (district_yb, commission):
        a = expect(c.upload(st.make_png(), filename="意见.png", ctype="image/png"), 201)
        assert c.raw("GET", f"/api/v1/attachments/{a['id']}").status == 200
    expert = platform.new_staff("expert", employer_uscc=st.make_uscc())
    assert_error(expert.upload(st.make_pdf()), 403, "forbidden")


def test_access(shared_enterprise, other_enterprise, anon, district_wz):
    a = expect(shared_enterprise.c.upload(st.make_pdf()), 201)
    assert_error(other_enterprise.c.get(f"/attachments/{a['id']}"), 404, "not_found")
    assert_error(district_wz.get(f"/attachments/{a['id']}"), 404, "not_found")
    assert_error(anon.get(f"/attachments/{a['id']}"), 401, "unauthenticated")
    assert_error(shared_enterprise.c.get("/attachments/99999999"), 404, "not_found")


def test_upload_refusals(shared_enterprise, anon):
    assert_error(anon.upload(st.make_pdf()), 401, "unauthenticated")
    assert_error(shared_enterprise.c.upload(st.make_pdf(), csrf=False), 403, "csrf")


def test_huge_anonymous_upload_is_401(server):
    total = 25 * 1024 * 1024
    status, hdrs, body = st.raw_http(server.port, "POST", "/api/v1/attachments",
                                     {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(total)},
                                     st.pieces(total, 1 << 20, b"a"))
    assert status == 401, (status, body[:300])


def test_upload_over_20mb_declared_is_413(server, commission):
    total = 25 * 1024 * 1024
    headers = {"Content-Type": "multipart/form-data; boundary=smipbig",
               "Content-Length": str(total),
               "Cookie": "; ".join(f"{k}={v}" for k, v in commission.cookies.items()),
               "X-CSRF-Token": commission.csrf}
    status, hdrs, body = st.raw_http(server.port, "POST", "/api/v1/attachments", headers,
                                     st.pieces(total, 1 << 20, b"a"))
    assert status == 413, (status, body[:300])
    assert json.loads(body)["error"]["code"] == "too_large"
    # the server is still serving
    assert expect(commission.get("/me"), 200)["account"]["role"] == "commission"


@pytest.fixture(scope="module")
def limits_commission(limits_server):
    c = st.Client(limits_server.base, "limits-commission")
    expect(c.login(*st.COMMISSION), 200)
    expect(c.post("/apps/imp/connect"), 200)
    return c


def test_upload_limit_option(limits_server, limits_commission):
    small = st.make_pdf()
    assert len(small) < 1024
    a = expect(limits_commission.upload(small), 201)
    assert a["size"] == len(small)
    big = st.make_pdf(pad=2048)
    assert len(big) > 1024
    assert_error(limits_commission.upload(big), 413, "too_large")
    assert limits_commission.get("/me").status == 200


def test_upload_limit_chunked(limits_server, limits_commission):
    ctype, body = st.multipart({}, [("file", "big.pdf", "application/pdf", st.make_pdf(pad=4096))])

    def chunks():
        for i in range(0, len(body), 512):
            p = body[i:i + 512]
            yield b"%x\r\n" % len(p) + p + b"\r\n"
        yield b"0\r\n\r\n"
    headers = {"Content-Type": ctype, "Transfer-Encoding": "chunked",
               "Cookie": "; ".join(f"{k}={v}" for k, v in limits_commission.cookies.items()),
               "X-CSRF-Token": limits_commission.csrf}
    status, hdrs, rb = st.raw_http(limits_server.port, "POST", "/api/v1/attachments", headers, chunks())
    assert status == 413, (status, rb[:300])
