"""The admin's pages, driven as a browser without JavaScript drives them: get the page, take the
form's csrf_token, post the form. The accounts list (role, district, search, filters, paging),
the registration queue's approve/reject, new accounts of each staff role (a refusal keeps what
was typed and names the field beside it), disable / enable / a new password (typed, or made up
and shown once), and the old platform's two CSV imports with their line-by-line report and
template files. Other tests share the database: every check searches for its own names."""
import html as htmllib
import re
import urllib.parse

import smiptest as st
from smiptest import PASSWORD, assert_error, expect

# crypt(3) SHA-512 of "Old2019pass" (as in test_legacy.py): a well-formed old-platform hash
OLD_HASH = ("$6$smiptestsalt$vB5nZQbfHQBVZSVgkNYhuswJZX.YnG6q6uApXlBHDdQnvyTlydxzd4M6q88K627GOi77v/"
            "qTkZz73akSZUja80")
ACCOUNTS_HEADER = "username,password_hash,uscc,enterprise_name,district_code"
CERTS_HEADER = "certificate_no,year,type,uscc,enterprise_name,site_name,included_workshops"


def get(client, path):
    path = urllib.parse.quote(path, safe="/?&=%:+")
    return client.raw("GET", path, headers={"Accept": "text/html"})


def page(client, path):
    r = get(client, path)
    assert r.status == 200, r
    return r.raw.decode("utf-8")


def csrf_of(text):
    m = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert m, "no csrf_token in the page's form"
    return m.group(1)


def post_form(client, path, fields, token):
    body = urllib.parse.urlencode({"csrf_token": token, **fields}).encode()
    return client.raw("POST", path, body, csrf=False, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"})


def post_file(client, path, data, token, filename="import.csv"):
    ctype, body = st.multipart({"csrf_token": token}, [("file", filename, "text/csv", data)])
    return client.raw("POST", path, body, csrf=False,
                      headers={"Content-Type": ctype, "Accept": "text/html"})


def text_of(doc):
    """What a person reads: <main> without tags, entities decoded, blanks collapsed."""
    main = doc.split('<main id="main">', 1)[-1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", main)))


def field_error(doc, field):
    m = re.search(r'<p class="field-error" id="%s-error">([^<]*)</p>' % re.escape(field), doc)
    return htmllib.unescape(m.group(1)) if m else None


def input_value(doc, field):
    m = re.search(r'<input [^>]*id="%s"[^>]*value="([^"]*)"' % re.escape(field), doc)
    return htmllib.unescape(m.group(1)) if m else None


def rows_of(doc):
    """The rows of the first <tbody> as lists of cell texts."""
    body = doc.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", c))).strip()
             for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def report_rows(doc):
    table = doc.split('id="report-table"', 1)[1]
    return rows_of(table)


def new_account(admin, role="district", **over):
    username = st.unique(role[0] + "p")
    body = {"username": username, "password": PASSWORD, "display_name": "页面测试",
            "phone": "13900000000", "email": f"{username}@example.cn", "role": role}
    if role == "district":
        body["district_code"] = "500112"
    if role == "expert":
        body["employer_uscc"] = st.make_uscc()
    body.update(over)
    return expect(admin.post("/admin/accounts", body), 201, "admin create")


def login(server, username, password):
    c = st.Client(server.base, username)
    return c, c.login(username, password)


# ---------------------------------------------------------------- access

def test_only_the_admin_sees_the_admin_pages(platform, server, district_yb, commission):
    ent = platform.new_enterprise()
    anon = st.Client(server.base)
    for path in ("/admin/accounts", "/admin/accounts/new", "/admin/accounts/1", "/admin/imports",
                 "/admin/imports/accounts.csv"):
        r = get(anon, path)
        assert r.status == 303 and r.headers["Location"].startswith("/login?next="), (path, r)
        for who in (ent.c, district_yb, commission):
            r = get(who, path)
            assert r.status == 403 and "无权" in r.raw.decode("utf-8"), (path, who, r)
    # a staff form posted by a district officer, with its own valid token, is refused all the same
    token = csrf_of(page(district_yb, "/district"))
    r = post_form(district_yb, "/admin/accounts/new",
                  {"role": "district", "username": st.unique("x"), "password": PASSWORD,
                   "district_code": "500112"}, token)
    assert r.status == 403, r
    r = post_form(district_yb, f"/admin/accounts/{ent.account_id}/disable", {}, token)
    assert r.status == 403, r
    assert expect(ent.c.get("/me"), 200)["account"]["status"] == "active"


def test_every_admin_form_needs_its_token(admin):
    acc = new_account(admin)
    for path in ("/admin/accounts/new", f"/admin/accounts/{acc['id']}/disable",
                 f"/admin/accounts/{acc['id']}/password", "/admin/imports/accounts"):
        r = post_form(admin, path, {"role": "district"}, "0" * 64)
        assert r.status == 403, (path, r)
    assert expect(admin.get(f"/admin/accounts?q={acc['username']}&status="), 200)["items"][0][
        "status"] == "active"


def test_an_unknown_account_is_404(admin):
    token = csrf_of(page(admin, "/admin/accounts"))
    assert get(admin, "/admin/accounts/99999999").status == 404
    for action in ("disable", "enable", "password"):
        r = post_form(admin, f"/admin/accounts/99999999/{action}", {"new_password": "Abcd1234x"}, token)
        assert r.status == 404, (action, r)


# ---------------------------------------------------------------- the list

def test_list_shows_roles_districts_and_finds_by_name(admin):
    tag = st.unique("lst")
    d = new_account(admin, "district", username=f"{tag}d", display_name=f"渝北{tag}")
    x = new_account(admin, "expert", username=f"{tag}x")
    new_account(admin, "commission", username=f"{tag}c")
    doc = page(admin, f"/admin/accounts?q={tag}&status=")
    rows = {r[0]: r for r in rows_of(doc)}
    assert set(rows) == {f"{tag}d", f"{tag}x", f"{tag}c"}, rows
    assert rows[f"{tag}d"][2] == "区县经信部门" and rows[f"{tag}d"][3] == "渝北区", rows[f"{tag}d"]
    assert rows[f"{tag}x"][2] == "专家" and x["employer_uscc"] in rows[f"{tag}x"][3]
    assert rows[f"{tag}c"][2] == "市经济信息委"
    assert all(r[6] == "正常" for r in rows.values()), rows
    words = text_of(doc)
    assert not re.search(r"\d{4}-\d\d-\d\dT|\+08:00|\bactive\b|\bdistrict\b|\bexpert\b", words), words
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", words), words
    # by name (display name), upper case of the user name, role and status filters
    assert [r[0] for r in rows_of(page(admin, f"/admin/accounts?q=渝北{tag}&status="))] == [d["username"]]
    assert len(rows_of(page(admin, f"/admin/accounts?q={tag.upper()}&status="))) == 3
    assert [r[0] for r in rows_of(page(admin, f"/admin/accounts?q={tag}&status=&role=expert"))] == [f"{tag}x"]
    assert "没有符合条件的账号" in text_of(page(admin, f"/admin/accounts?q={tag}&status=disabled"))
    # a wildcard is a character, not a pattern
    assert "没有符合条件的账号" in text_of(page(admin, f"/admin/accounts?q={tag[:3]}%25{tag[-3:]}&status="))
    # an unknown filter is named beside it, the search kept
    r = get(admin, f"/admin/accounts?q={tag}&role=boss&status=")
    assert r.status == 400, r
    doc = r.raw.decode("utf-8")
    assert field_error(doc, "role") and input_value(doc, "q") == tag
    assert len(rows_of(doc)) == 3, "the other filters still apply"
    r = get(admin, "/admin/accounts?q=" + "字" * 101)
    assert r.status == 400 and "100" in (field_error(r.raw.decode("utf-8"), "q") or ""), r
    assert get(admin, "/admin/accounts?q=" + "字" * 100).status == 200


def test_list_pages_by_fifty(admin):
    tag = st.unique("pg")
    for i in range(50):
        new_account(admin, "commission", username=f"{tag}{i:02d}")
    doc = page(admin, f"/admin/accounts?q={tag}&status=")
    assert len(rows_of(doc)) == 50 and "共 50 个账号，第 1 / 1 页" in text_of(doc)
    assert 'rel="next"' not in doc
    new_account(admin, "commission", username=f"{tag}50")
    doc = page(admin, f"/admin/accounts?q={tag}&status=")
    assert len(rows_of(doc)) == 50 and "第 1 / 2 页" in text_of(doc)
    nxt = htmllib.unescape(re.search(r'href="([^"]+)" rel="next"', doc).group(1))
    assert "q=" + tag in nxt and "page=2" in nxt and "status=" in nxt, nxt
    doc2 = page(admin, nxt)
    rows2 = rows_of(doc2)
    assert len(rows2) == 1 and 'rel="prev"' in doc2 and "第 2 / 2 页" in text_of(doc2)
    # newest first outside the queue: the first one made is the one left for page 2
    assert rows2[0][0] == f"{tag}00", rows2
    assert get(admin, f"/admin/accounts?q={tag}&status=&page=abc").status == 200


# ---------------------------------------------------------------- the registration queue

def test_queue_approves_and_rejects_with_a_reason(platform, server, admin):
    c1, u1, _, r1 = platform.register()
    c2, u2, _, r2 = platform.register()
    id1, id2 = expect(r1, 201)["id"], expect(r2, 201)["id"]
    doc = page(admin, "/admin/accounts")  # without a status: the queue
    assert "注册审核期不超过 1 个工作日" in doc
    names = [r[0] for r in rows_of(doc)]
    assert u1 in names and u2 in names
    token = csrf_of(doc)
    r = post_form(admin, f"/admin/accounts/{id2}/decide", {"decision": "reject", "reason": "  "}, token)
    assert r.status == 400, r
    doc = r.raw.decode("utf-8")
    assert field_error(doc, f"reason-{id2}") == "请填写不予通过的理由", doc[-3000:]
    r = post_form(admin, f"/admin/accounts/{id1}/decide", {"decision": "approve"}, token)
    assert r.status == 303 and r.headers["Location"] == "/admin/accounts?done=approved", r
    assert "已通过该注册申请" in text_of(page(admin, r.headers["Location"]))
    expect(c1.login(u1, PASSWORD), 200)
    # from the account's page: the answer comes back there
    acc_page = page(admin, f"/admin/accounts/{id2}")
    assert "审核注册申请" in acc_page
    r = post_form(admin, f"/admin/accounts/{id2}/decide",
                  {"decision": "reject", "reason": "", "back": "account"}, token)
    assert r.status == 400 and field_error(r.raw.decode("utf-8"), "reason"), r
    r = post_form(admin, f"/admin/accounts/{id2}/decide",
                  {"decision": "reject", "reason": "企业名称与信用代码不符", "back": "account"}, token)
    assert r.status == 303 and r.headers["Location"] == f"/admin/accounts/{id2}?done=rejected", r
    words = text_of(page(admin, r.headers["Location"]))
    assert "已驳回" in words and "企业名称与信用代码不符" in words
    assert_error(c2.login(u2, PASSWORD), 403, "account_rejected")
    # a second decision on a decided account is refused with the state in words
    r = post_form(admin, f"/admin/accounts/{id1}/decide", {"decision": "approve"}, token)
    assert r.status == 409 and "正常" in text_of(r.raw.decode("utf-8")), r


# ---------------------------------------------------------------- new accounts

def test_create_district_account_refusals_keep_what_was_typed(server, admin):
    doc = page(admin, "/admin/accounts/new")
    token = csrf_of(doc)
    select = doc.split('<select id="district_code"', 1)[1].split("</select>", 1)[0]
    assert len(re.findall(r'<option value="[^"]+"', select)) == 41, "the 41 districts to choose from"
    user = st.unique("nd")
    form = {"role": "district", "username": user, "password": PASSWORD, "display_name": "王科长",
            "phone": "023-67000000", "email": "bad-address", "district_code": ""}
    r = post_form(admin, "/admin/accounts/new", form, token)
    assert r.status == 400, r
    doc = r.raw.decode("utf-8")
    assert field_error(doc, "district_code") == "区县账号须选择所属区县"
    assert "电子邮箱格式不正确" in field_error(doc, "email")
    assert input_value(doc, "username") == user and input_value(doc, "display_name") == "王科长"
    assert input_value(doc, "email") == "bad-address"
    assert PASSWORD not in doc, "a password is never written back"
    assert re.search(r'value="district" checked', doc)
    # a weak typed password is named beside its field
    r = post_form(admin, "/admin/accounts/new", {**form, "email": "", "district_code": "500112",
                                                 "password": "abc12"}, token)
    assert r.status == 400 and "8 至 128" in field_error(r.raw.decode("utf-8"), "password"), r
    # an unknown role is named as the form names it
    r = post_form(admin, "/admin/accounts/new", {**form, "role": "boss"}, token)
    assert r.status == 400 and field_error(r.raw.decode("utf-8"), "role") == "请选择账号类型", r
    r = post_form(admin, "/admin/accounts/new", {**form, "email": "", "district_code": "500112"}, token)
    assert r.status == 303, r
    loc = r.headers["Location"]
    assert re.fullmatch(r"/admin/accounts/\d+\?done=created", loc), loc
    words = text_of(page(admin, loc))
    assert "账号已创建" in words and "区县经信部门" in words and "渝北区" in words, words
    c, lr = login(server, user, PASSWORD)
    assert expect(lr, 200)["account"]["role"] == "district"
    assert expect(c.get("/me"), 200)["account"]["district_code"] == "500112"
    # the same user name again: named beside the field
    r = post_form(admin, "/admin/accounts/new", {**form, "email": "", "district_code": "500112"}, token)
    assert r.status == 409 and user in field_error(r.raw.decode("utf-8"), "username"), r


def test_create_expert_needs_its_employer_and_a_made_up_password_is_shown_once(server, admin):
    token = csrf_of(page(admin, "/admin/accounts/new"))
    user = st.unique("nx")
    employer = st.make_uscc()
    # the district picked before switching to 专家 is not sent
    form = {"role": "expert", "username": user, "password": "", "display_name": "李教授",
            "district_code": "500112", "employer_uscc": ""}
    r = post_form(admin, "/admin/accounts/new", form, token)
    assert r.status == 400, r
    doc = r.raw.decode("utf-8")
    assert field_error(doc, "employer_uscc") == "请填写专家工作单位的统一社会信用代码（用于回避）"
    assert field_error(doc, "district_code") is None
    r = post_form(admin, "/admin/accounts/new", {**form, "employer_uscc": employer[:17] + "0"
                                                 if employer[17] != "0" else employer[:17] + "1"}, token)
    assert r.status == 400 and "工作单位" in field_error(r.raw.decode("utf-8"), "employer_uscc"), r
    r = post_form(admin, "/admin/accounts/new", {**form, "employer_uscc": employer.lower()}, token)
    assert r.status == 200, r
    doc = r.raw.decode("utf-8")
    pw = htmllib.unescape(re.search(r'<p class="secret" id="new-password">([^<]+)</p>', doc).group(1))
    assert len(pw) == 12 and re.search(r"[A-Za-z]", pw) and re.search(r"\d", pw), pw
    words = text_of(doc)
    assert "初始密码（只显示这一次）" in words and "李教授" in words and employer in words
    assert "专家" in words
    assert r.headers.get("Cache-Control") == "no-store"
    c, lr = login(server, user, pw)
    assert expect(lr, 200)["account"]["role"] == "expert"
    acc_id = lr.body["account"]["id"]
    assert pw not in page(admin, f"/admin/accounts/{acc_id}"), "shown once, never again"
    # a commission account with a typed password
    user2 = st.unique("nc")
    r = post_form(admin, "/admin/accounts/new", {"role": "commission", "username": user2,
                                                 "password": PASSWORD, "display_name": "张处长"}, token)
    assert r.status == 303, r
    assert expect(login(server, user2, PASSWORD)[1], 200)["account"]["role"] == "commission"


# ---------------------------------------------------------------- disable, enable, password

def test_disable_enable_and_reset_password(server, admin):
    acc = new_account(admin, "district")
    user, aid = acc["username"], acc["id"]
    c, lr = login(server, user, PASSWORD)
    expect(lr, 200)
    doc = page(admin, f"/admin/accounts/{aid}")
    token = csrf_of(doc)
    assert "停用账号" in doc and "启用账号" not in doc
    r = post_form(admin, f"/admin/accounts/{aid}/disable", {}, token)
    assert r.status == 303 and r.headers["Location"] == f"/admin/accounts/{aid}?done=disabled", r
    doc = page(admin, r.headers["Location"])
    assert "已停用" in text_of(doc) and "启用账号" in doc
    assert_error(c.get("/me"), 401, "unauthenticated")
    assert_error(login(server, user, PASSWORD)[1], 403, "account_disabled")
    # disabling twice: the state in words
    r = post_form(admin, f"/admin/accounts/{aid}/disable", {}, token)
    assert r.status == 409 and "已停用" in text_of(r.raw.decode("utf-8")), r
    r = post_form(admin, f"/admin/accounts/{aid}/enable", {}, token)
    assert r.status == 303 and r.headers["Location"].endswith("done=enabled"), r
    c, lr = login(server, user, PASSWORD)
    expect(lr, 200)
    # a typed password below the rule is refused beside the field; the old one still works
    r = post_form(admin, f"/admin/accounts/{aid}/password", {"new_password": "short1"}, token)
    assert r.status == 400 and "8 至 128" in field_error(r.raw.decode("utf-8"), "new_password"), r
    expect(c.get("/me"), 200)
    r = post_form(admin, f"/admin/accounts/{aid}/password", {"new_password": "Typed2026pass"}, token)
    assert r.status == 303 and r.headers["Location"].endswith("done=password"), r
    assert "Typed2026pass" not in page(admin, r.headers["Location"])
    assert_error(c.get("/me"), 401, "unauthenticated")
    assert_error(login(server, user, PASSWORD)[1], 401, "bad_credentials")
    expect(login(server, user, "Typed2026pass")[1], 200)
    # empty: a made-up one, shown once
    r = post_form(admin, f"/admin/accounts/{aid}/password", {"new_password": ""}, token)
    assert r.status == 200, r
    pw = htmllib.unescape(re.search(r'id="new-password">([^<]+)<', r.raw.decode("utf-8")).group(1))
    assert "新密码（只显示这一次）" in text_of(r.raw.decode("utf-8"))
    expect(login(server, user, pw)[1], 200)
    assert_error(login(server, user, "Typed2026pass")[1], 401, "bad_credentials")


def test_an_admin_cannot_disable_itself(server, admin):
    acc = new_account(admin, "admin")
    me = st.Client(server.base)
    expect(me.login(acc["username"], PASSWORD), 200)
    doc = page(me, f"/admin/accounts/{acc['id']}")
    assert "不能在这里停用" in doc and f'/admin/accounts/{acc["id"]}/disable' not in doc
    r = post_form(me, f"/admin/accounts/{acc['id']}/disable", {}, csrf_of(doc))
    assert r.status == 409 and "不能停用自己的账号" in text_of(r.raw.decode("utf-8")), r
    expect(me.get("/me"), 200)


# ---------------------------------------------------------------- imports

def test_templates_carry_the_header(admin):
    for kind, header in (("accounts", ACCOUNTS_HEADER), ("certificates", CERTS_HEADER)):
        r = get(admin, f"/admin/imports/{kind}.csv")
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv"), r
        assert "attachment" in r.headers["Content-Disposition"]
        assert r.raw == b"\xef\xbb\xbf" + header.encode() + b"\r\n", r.raw
        # the template as it is imports nothing and reports nothing wrong
        token = csrf_of(page(admin, "/admin/imports"))
        r = post_file(admin, f"/admin/imports/{kind}", r.raw, token)
        assert r.status == 200 and "共 0 行" in text_of(r.raw.decode("utf-8")), r
    assert get(admin, "/admin/imports/other.csv").status == 404


def test_import_accounts_reports_each_line(admin):
    doc = page(admin, "/admin/imports")
    token = csrf_of(doc)
    u = [st.unique("old") for _ in range(3)]
    uscc = st.make_uscc()
    lines = [ACCOUNTS_HEADER,
             f"{u[0]},{OLD_HASH},{uscc},重庆老企业甲有限公司,500112",       # line 2: imported
             f"{u[1]},not-a-hash,,重庆老企业乙有限公司,500112",            # line 3: bad hash
             f"{u[2]},{OLD_HASH},,,500112",                                # line 4: no name
             "",                                                           # line 5: blank
             f'{u[2]}x,{OLD_HASH},,"重庆老企业,丙有限公司",999999',          # line 6: district
             f"{u[2]}y,{OLD_HASH},,重庆老企业丁有限公司",                    # line 7: 4 columns
             f'{u[2]}z,{OLD_HASH},,"未闭合,500112']                         # line 8: quote
    data = ("\r\n".join(lines) + "\r\n").encode()
    r = post_file(admin, "/admin/imports/accounts", data, token)
    assert r.status == 200, r
    doc = r.raw.decode("utf-8")
    assert "导入 1 行，已存在未改动 0 行，有错误未导入 5 行" in text_of(doc), text_of(doc)[:600]
    rows = {int(x[0]): x for x in report_rows(doc)}
    assert sorted(rows) == [2, 3, 4, 6, 7, 8], rows
    assert rows[2][1] == "已导入" and rows[2][2] == u[0] and rows[2][3] == "重庆老企业甲有限公司"
    assert rows[3][1] == "未导入" and "密码哈希（password_hash）无效" in rows[3][4], rows[3]
    assert "企业名称（enterprise_name）不能为空" in rows[4][4], rows[4]
    assert "区县代码（district_code）“999999”不是已知的区县代码" in rows[6][4], rows[6]
    assert rows[6][3] == "重庆老企业,丙有限公司"
    assert "应有 5 列，实际为 4 列" in rows[7][4], rows[7]
    assert "格式错误" in rows[8][4] and "引号" in rows[8][4], rows[8]
    # the same file again: the imported line is now already there
    r = post_file(admin, "/admin/imports/accounts", data, token)
    rows = {int(x[0]): x for x in report_rows(r.raw.decode("utf-8"))}
    assert rows[2][1] == "已存在，未改动", rows[2]
    # the API answers the same lines
    api = expect(admin.call("POST", "/admin/legacy-import", data=data,
                            content_type="text/csv; charset=utf-8"), 200)
    assert [x["line"] for x in api["errors"]] == [3, 4, 6, 7, 8]
    assert [(x["line"], x["result"]) for x in api["lines"]][:2] == [(2, "skipped"), (3, "error")]


def test_import_refusals_are_beside_the_file_field(admin):
    token = csrf_of(page(admin, "/admin/imports"))
    r = post_file(admin, "/admin/imports/accounts", b"user,hash\nx,y\n", token)
    assert r.status == 400, r
    doc = r.raw.decode("utf-8")
    assert ACCOUNTS_HEADER in field_error(doc, "file_accounts"), doc[-2000:]
    assert 'id="report-table"' not in doc
    r = post_file(admin, "/admin/imports/certificates", (CERTS_HEADER + "\n").encode("gbk") +
                  "甲".encode("gbk"), token)
    assert r.status == 400 and "UTF-8" in field_error(r.raw.decode("utf-8"), "file_certificates"), r
    # no file chosen
    ctype, body = st.multipart({"csrf_token": token}, [])
    r = admin.raw("POST", "/admin/imports/accounts", body, csrf=False,
                  headers={"Content-Type": ctype, "Accept": "text/html"})
    assert r.status == 400 and field_error(r.raw.decode("utf-8"), "file_accounts") == "请选择要导入的 CSV 文件", r
    r = post_file(admin, "/admin/imports/accounts", b"", token)
    assert r.status == 400 and "空" in field_error(r.raw.decode("utf-8"), "file_accounts"), r


def test_import_certificates_reports_each_line(admin):
    token = csrf_of(page(admin, "/admin/imports"))
    no = st.unique("CERT").upper()
    uscc = st.make_uscc()
    lines = [CERTS_HEADER,
             f"{no}-1,2019,数字化车间,{uscc},重庆老证书有限公司,一号车间,",          # 2 imported
             f"{no}-2,1999,workshop,{uscc},重庆老证书有限公司,二号车间,",           # 3 year
             f"{no}-3,2019,车间,{uscc},重庆老证书有限公司,三号车间,",               # 4 type
             f"{no}-4,2019,factory,{uscc[:17]}X,重庆老证书有限公司,工厂,一号车间",  # 5 uscc
             f"{no}-5,2019,factory,{uscc},重庆老证书有限公司,,一号车间",            # 6 site
             f"证书 6,2019,factory,{uscc},重庆老证书有限公司,工厂,"]                # 7 number
    r = post_file(admin, "/admin/imports/certificates", ("\n".join(lines) + "\n").encode(), token)
    assert r.status == 200, r
    doc = r.raw.decode("utf-8")
    rows = {int(x[0]): x for x in report_rows(doc)}
    assert rows[2][1] == "已导入" and rows[2][2] == f"{no}-1", rows[2]
    assert "年份（year）须为 2000 至 2100" in rows[3][4]
    assert "类型（type）" in rows[4][4] and "数字化车间" in rows[4][4]
    assert "统一社会信用代码（uscc）" in rows[5][4], rows[5]
    assert "车间或工厂名称（site_name）不能为空" in rows[6][4]
    assert "证书编号（certificate_no）" in rows[7][4]
    assert "导入 1 行" in text_of(doc) and "有错误未导入 5 行" in text_of(doc)
    assert 'class="flash flash-error"' in doc, "a report with errors is not shown as all well"


def test_import_file_size_boundary(admin):
    """The same limit as the API's CSV body (--max-json, 2 MB by default): at it imported, one
    byte more refused beside the field."""
    token = csrf_of(page(admin, "/admin/imports"))
    head = (ACCOUNTS_HEADER + "\n").encode()
    limit = 2 * 1024 * 1024
    r = post_file(admin, "/admin/imports/accounts", head + b"\n" * (limit - len(head)), token)
    assert r.status == 200 and "共 0 行" in text_of(r.raw.decode("utf-8")), r
    r = post_file(admin, "/admin/imports/accounts", head + b"\n" * (limit - len(head) + 1), token)
    assert r.status == 400 and field_error(r.raw.decode("utf-8"), "file_accounts") == "CSV 文件不超过 2 MB", r


def test_the_api_list_takes_role_and_q(admin):
    tag = st.unique("api")
    new_account(admin, "district", username=f"{tag}d")
    new_account(admin, "expert", username=f"{tag}x")
    body = expect(admin.get(f"/admin/accounts?q={tag}"), 200)
    assert sorted(a["username"] for a in body["items"]) == [f"{tag}d", f"{tag}x"] and body["total"] == 2
    body = expect(admin.get(f"/admin/accounts?q={tag.upper()}&role=expert"), 200)
    assert [a["username"] for a in body["items"]] == [f"{tag}x"] and body["total"] == 1
    assert expect(admin.get(f"/admin/accounts?q={tag}&status=pending"), 200)["total"] == 0
    assert_error(admin.get("/admin/accounts?role=boss"), 400, "bad_request", ["role"])
    # an expert made over the API names its employer, as one made by the commission does
    r = admin.post("/admin/accounts", {"username": st.unique("nx"), "password": PASSWORD,
                                       "role": "expert"})
    assert_error(r, 400, "bad_request", ["employer_uscc"])
