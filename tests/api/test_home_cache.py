"""The public home page is kept for visitors without a session: the kept page must
never be stale or shown to the wrong person — a change of the current batch shows on the very
next request, a logged-in user gets their own page, and a flash is never shared."""
import datetime as dt

import smiptest as st
from smiptest import expect

REGISTER = "href=\"/register\">现在注册</a>"  # the visitor's button


def home(client, path="/"):
    r = client.raw("GET", path, headers={"Accept": "text/html"})
    assert r.status == 200, r
    return r.body.decode() if isinstance(r.body, (bytes, bytearray)) else str(r.body)


def test_home_follows_the_batch_at_once(platform, commission, anon, batch2020):
    now = st.now_cst()
    b = platform.new_batch(batch2020["id"], opens=now - dt.timedelta(minutes=1))
    first = home(anon)
    assert b["name"] in first
    renamed = b["name"] + "（更名）"
    expect(commission.put(f"/batches/{b['id']}", {"name": renamed}), 200)
    # No pause: the next request, most likely within the same second, shows the new name.
    page = home(anon)
    assert renamed in page, "home page kept the old batch name"
    # The window closing shows too: a closed batch is no longer "open".
    expect(commission.put(f"/batches/{b['id']}", {"closes_at": st.iso(now - dt.timedelta(seconds=1))}),
           200)
    assert home(anon) != page
    # Out of the way of later tests: neither open nor the latest.
    platform.retire_batch(b["id"])


def test_home_is_kept_only_for_visitors(platform, anon):
    ent = platform.new_enterprise()
    visitor = home(anon)
    assert REGISTER in visitor
    mine = home(ent.c)
    assert "进入我的工作台" in mine and REGISTER not in mine
    assert ent.username in mine
    assert REGISTER in home(anon)
    flashed = home(anon, "/?done=logged_out")
    assert "已退出登录" in flashed
    assert "已退出登录" not in home(anon)
