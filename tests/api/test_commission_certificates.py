"""The commission's certificates page: counts that filter, marks, Class I
certificates due for re-review, the enterprises' requests to revoke (stored, now shown), filters
and search; only the commission sees it."""
import html
import re
import urllib.parse

import pytest

import smiptest as st


def rows(client, query=""):
    doc = st.html_page(client, "/commission/certificates" + (f"?{query}" if query else ""))
    table = re.search(r'<table class="cert-table">.*?</table>', doc, re.S)
    nos = re.findall(r'<tr data-no="([^"]+)">', table.group(0)) if table else []
    return nos, doc


def count(doc, key):
    return int(re.search(r'id="count-%s">(\d+)<' % key, doc).group(1))


@pytest.fixture(scope="module")
def certs(platform, batch2020):
    b = platform.new_batch(batch2020["id"])
    bid = b["id"]
    e1 = platform.new_enterprise("500112")
    _, c1 = platform.certified_application(e1, bid)  # class II
    e2 = platform.new_enterprise("500101")
    _, c2 = platform.certified_application(e2, bid, **st.class1_project_body("500101"))
    e3 = platform.new_enterprise("500112")
    _, c3 = platform.certified_application(e3, bid)
    w = {"batch": bid, "c1": c1, "c2": c2, "c3": c3, "e1": e1, "e3": e3}
    yield w
    try:
        platform.retire_batch(bid)
    except Exception:
        pass


def test_marks_re_review_and_requests(platform, commission, certs):
    c1, c2, c3 = (certs[k]["certificate_no"] for k in ("c1", "c2", "c3"))
    nos, doc = rows(commission, "re_review_due=1&limit=100")
    assert c2 in nos and c1 not in nos and c3 not in nos  # only the Class I one
    due_before = count(doc, "due")
    # a re-review recorded: no longer due
    st.expect(commission.post(f"/certificates/{c2}/re-review",
                              {"result": "pass", "source": "local", "note": "已建成，复评通过"}), 200)
    nos, doc = rows(commission, "re_review_due=1&limit=100")
    assert c2 not in nos and count(doc, "due") == due_before - 1
    # a priority mark: listed under that mark and under any mark, with its Chinese label
    st.expect(commission.put(f"/certificates/{c1}/recommendation", {"candidate_for": ["benchmark"]}), 200)
    nos, doc = rows(commission, "mark=benchmark&limit=100")
    assert nos == [c1] or (c1 in nos and c3 not in nos)
    assert re.search(r'data-no="%s">.*?标杆' % re.escape(c1), doc, re.S)
    assert "benchmark" not in re.sub(r'(href|value)="[^"]*"', "", doc)
    nos, _ = rows(commission, "mark=innovation_demo&limit=100")
    assert c1 not in nos
    # the enterprise asks to revoke: shown in the requests section, and as a filter
    _, doc = rows(commission)
    before = count(doc, "requested")
    st.expect(certs["e3"].c.post(f"/certificates/{c3}/revocation-request",
                                 {"note": "企业搬迁，申请撤销证书"}), 201)
    nos, doc = rows(commission, "requested=1&limit=100")
    assert c3 in nos and c1 not in nos
    assert count(doc, "requested") == before + 1
    sec = re.search(r'<ul class="plain revocation-requests">.*?</ul>', doc, re.S).group(0)
    assert f'data-no="{c3}"' in sec and "企业搬迁，申请撤销证书" in sec
    # revoked on the request: out of the pending requests, in the revoked list with its reason
    st.expect(commission.post(f"/certificates/{c3}/revoke", {"reason": "self_request", "note": "按企业申请撤销"}), 200)
    nos, doc = rows(commission, "requested=1&limit=100")
    assert c3 not in nos
    nos, doc = rows(commission, "status=revoked&limit=100")
    assert c3 in nos and "企业申请撤销" in doc


def test_search_filters_and_access(commission, district_yb, anon, certs):
    c1 = certs["c1"]["certificate_no"]
    nos, _ = rows(commission, "q=" + urllib.parse.quote(c1.lower()))
    assert nos == [c1]
    nos, _ = rows(commission, "q=" + certs["e1"].uscc[3:14])
    assert nos == [c1]
    nos, _ = rows(commission, "district_code=500101&limit=100")
    assert certs["c2"]["certificate_no"] in nos and c1 not in nos
    nos, doc = rows(commission, "status=bogus&mark=x")
    assert "}}" not in doc and "{{" not in doc  # no template text leaks
    assert "已忽略无效的筛选条件" in doc and "「证书状态」" in doc and "「优先推荐标记」" in doc
    a = district_yb.raw("GET", "/commission/certificates", headers={"Accept": "text/html"})
    assert a.status in (403, 404)
    c = anon.raw("GET", "/commission/certificates", headers={"Accept": "text/html"})
    assert c.status in (302, 303) and "/login" in (c.headers.get("Location") or "")


def test_certificates_xlsx(commission, certs):
    from test_commission_overview import xlsx_sheet
    r = commission.raw("GET", "/commission/certificates.xlsx?district_code=500101&limit=100")
    assert r.status == 200
    rows, shared = xlsx_sheet(r.raw)
    assert rows[0][0] == "证书编号" and "发证日期" in rows[0]
    nos = [x[0] for x in rows[1:]]
    assert certs["c2"]["certificate_no"] in nos and certs["c1"]["certificate_no"] not in nos
    row = rows[1 + nos.index(certs["c2"]["certificate_no"])]
    assert row[5] == "一类（在建）" and row[7][0] == "date" and row[7][2] == "yyyy-mm-dd"
    assert "valid" not in shared and "workshop" not in shared and ("有效" in shared or "已撤销" in shared)
