#!/usr/bin/env python3
"""bench/crowd_login.py — signs in the crowd of `make bench` (bench/run.sh) through
POST /api/v1/session, several at a time (argon2id is slow on purpose), and writes the
sessions file bench/crowd.lua reads.

Usage: crowd_login.py BASE_URL PASSWORD USERS_FILE SESSIONS_FILE [PARALLEL]
  USERS_FILE: lines "ROLE USERNAME APP_ID" (ROLE e, d, x or c; APP_ID "-" for reviewers).
  SESSIONS_FILE: lines "ROLE COOKIE CSRF APP_ID", one per user signed in.
Exits non-zero, naming the first user, if any sign-in fails: a crowd with holes would
measure redirects, not pages. Only the standard library."""
import concurrent.futures
import json
import sys
import time
import urllib.request


def sign_in(base, password, role, user, app):
    body = json.dumps({"username": user, "password": password}).encode()
    req = urllib.request.Request(base + "/api/v1/session", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        csrf = json.load(r)["csrf_token"]
        for h in r.headers.get_all("Set-Cookie") or []:
            if h.startswith("smip_session="):
                return f"{role} {h.split(';', 1)[0].split('=', 1)[1]} {csrf} {app}"
    raise RuntimeError(f"no session cookie for {user}")


def main():
    base, password, users_file, out = sys.argv[1:5]
    parallel = int(sys.argv[5]) if len(sys.argv) > 5 else 4
    users = [line.split() for line in open(users_file) if line.strip()]
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        futures = [pool.submit(sign_in, base, password, *u) for u in users]
        lines = []
        for u, f in zip(users, futures):
            try:
                lines.append(f.result())
            except Exception as e:  # noqa: BLE001 — any failure ends the bench
                print(f"crowd_login: {u[1]} could not sign in: {e}", file=sys.stderr)
                pool.shutdown(cancel_futures=True)
                sys.exit(1)
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    dt = time.monotonic() - t0
    print(f"crowd_login: {len(lines)} sessions in {dt:.1f} s ({len(lines) / dt:.0f}/s)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
