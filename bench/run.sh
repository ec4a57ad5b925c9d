#!/usr/bin/env bash
# bench/run.sh — `make bench`: smip's speed measured beside nginx on this machine.
#
# For each database size in BENCH_SIZES (default "5000 100000" enterprises):
#   1. seeds build/bench/seed-N.db once with `smip seed --enterprises N` (kept; delete to redo)
#      and serves a fresh copy of it, so the writes of one run never leak into the next;
#   2. starts smip (the optimised build/smip) and nginx (one worker, bench/nginx.conf) on
#      127.0.0.1, free ports, everything in a temp dir;
#   3. runs ROUNDS interleaved rounds of wrk (CONNS connections, DURATION each) over the
#      scenarios a–g, and bench/commit_rate for (h), and reports the median round;
#   4. the crowd (bench/crowd.lua): CROWD_USERS enterprises that own a draft, the 41 districts,
#      up to CROWD_EXPERTS experts and the commission signed in (bench/crowd_login.py), each
#      request from a random one of them, every save a new value; each scenario alone and the
#      mix, beside nginx asked through the same script with 1 and with 2 workers (the better
#      is the ceiling); every answer must be 200;
#   5. measures logins apart (argon2id is slow on purpose) and smip's peak RSS (VmHWM).
#   6. when PostgreSQL is installed (BENCH_PG=auto; 1 requires it, 0 skips it), runs 2–4 again
#      on a throwaway PostgreSQL cluster seeded the same way: the PostgreSQL column (the crowd
#      runs on SQLite only).
# Results: the tables on stdout and build/bench/results-N.json; exits 3 after printing them when
# any scenario had a bad answer (an error, a timeout, or for the crowd anything but 200).
# Not part of `make test`.
# Knobs (environment): BENCH_SIZES, ROUNDS (3), DURATION (10s), CONNS (64), THREADS (2),
# COMMIT_SECONDS (5), LOGIN_DURATION (5s), LOGIN_CONNS (4), POOL (64 enterprises writing),
# BENCH_PG (auto), BENCH_OUT (build/bench: seeds and results), CROWD (1; 0 skips the crowd),
# CROWD_USERS (1000 enterprises), CROWD_EXPERTS (100), CROWD_LOGINS (8 sign-ins at a time).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${BENCH_SIZES:-"5000 100000"}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
COMMIT_SECONDS=${COMMIT_SECONDS:-5}
LOGIN_DURATION=${LOGIN_DURATION:-5s}
LOGIN_CONNS=${LOGIN_CONNS:-4}
POOL=${POOL:-64}
CROWD=${CROWD:-1}
CROWD_USERS=${CROWD_USERS:-1000}
CROWD_EXPERTS=${CROWD_EXPERTS:-100}
CROWD_LOGINS=${CROWD_LOGINS:-8}
BENCH_PG=${BENCH_PG:-auto}
PASSWORD=Bench2020pass
OUT=${BENCH_OUT:-build/bench}

say() { printf '%s\n' "$*" >&2; }

# ---------------------------------------------------------------- tools (bench only)
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || need+=(nginx)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v curl >/dev/null 2>&1 || need+=(curl)
if ((${#need[@]})); then
  say "bench: installing ${need[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# ---------------------------------------------------------------- builds
make -s build/smip
mkdir -p "$OUT"
cc -O2 -Wall -Wextra -o "$OUT/commit_rate" bench/commit_rate.c -lsqlite3

TMP=$(mktemp -d /tmp/smip-bench.XXXXXX)
chmod 755 "$TMP"
SMIP_PID="" NGINX_PID="" NGINX2_PID="" PG_DIR=""
cleanup() {
  [[ -n $SMIP_PID ]] && kill "$SMIP_PID" 2>/dev/null && wait "$SMIP_PID" 2>/dev/null
  [[ -n $NGINX_PID ]] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
  [[ -n $NGINX2_PID ]] && kill "$NGINX2_PID" 2>/dev/null && wait "$NGINX2_PID" 2>/dev/null
  [[ -n $PG_DIR ]] && bash scripts/pg-cluster.sh stop "$PG_DIR"
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_http() { # URL: up to 20 s
  for _ in $(seq 200); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  say "bench: $1 did not answer"
  return 1
}

# ---------------------------------------------------------------- nginx (a, and the crowd's ceiling)
# start_nginx NAME WORKERS: an nginx serving bench/static.html from $TMP/NAME; its port in
# NGINX_STARTED_PORT, its pid in NGINX_STARTED_PID.
start_nginx() {
  local dir="$TMP/$1"
  mkdir -p "$dir/www" "$dir/tmp"
  cp bench/static.html "$dir/www/static.html"
  chmod -R a+rX "$dir"
  NGINX_STARTED_PORT=$(free_port)
  sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$NGINX_STARTED_PORT|g" -e "s|@WORKERS@|$2|g" \
    bench/nginx.conf >"$dir/nginx.conf"
  "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" &
  NGINX_STARTED_PID=$!
  wait_http "http://127.0.0.1:$NGINX_STARTED_PORT/static.html"
}
start_nginx nginx 1
NGINX_PORT=$NGINX_STARTED_PORT NGINX_PID=$NGINX_STARTED_PID
start_nginx nginx2 2
NGINX2_PORT=$NGINX_STARTED_PORT NGINX2_PID=$NGINX_STARTED_PID

# ---------------------------------------------------------------- helpers
# wrk_run NAME URL [wrk args…] → appends "NAME rps p50 p99 n bad" to $RES
wrk_run() {
  local name=$1 url=$2
  shift 2
  local line
  line=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 5s "$url" "$@" | grep '^WRKRESULT' || true)
  [[ -n $line ]] || line="WRKRESULT rps=0 p50=0 p99=0 n=0 bad=1"
  echo "$name $line" >>"$RES"
  say "  $name $line"
}

# login USER → "COOKIE CSRF" (a session through POST /api/v1/session)
login() {
  local hdr body
  hdr=$(mktemp "$TMP/h.XXXXXX")
  body=$(curl -fsS -D "$hdr" -H 'Content-Type: application/json' \
    --data "{\"username\":\"$1\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/session")
  local cookie csrf
  cookie=$(grep -i '^set-cookie: smip_session=' "$hdr" | sed -E 's/^[^=]*=([^;]*).*/\1/' | tr -d '\r')
  csrf=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])' <<<"$body")
  rm -f "$hdr"
  echo "$cookie $csrf"
}

expect_200() { # METHOD URL [curl args…]
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -X "$1" "${@:3}" "$2")
  [[ $code == 200 ]] || { say "bench: $1 $2 answered $code (wanted 200)"; exit 1; }
}

# ---------------------------------------------------------------- PostgreSQL (optional)
# The same scenarios on PostgreSQL: a throwaway cluster (scripts/pg-cluster.sh, here with
# PG_DURABLE=1 so commits are as durable as SQLite's FULL), one database per size seeded with
# `smip seed` and kept as build/bench/seed-N.pgdump + .pg.key (restored on later runs; delete
# them to re-seed), served from a fresh copy (CREATE DATABASE … TEMPLATE) per run.
PG_BASE="" PGBIN=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
  [[ -x $d/initdb ]] && PGBIN=$d
done
case $BENCH_PG in
  0 | no | off) PGBIN="" ;;
  *)
    if [[ -z $PGBIN ]]; then
      [[ $BENCH_PG == auto ]] || { say "bench: BENCH_PG=$BENCH_PG but PostgreSQL is not installed"; exit 1; }
      say "bench: PostgreSQL not installed; SQLite only"
    fi
    ;;
esac
if [[ -n $PGBIN ]]; then
  PG_DIR="$TMP/pg"
  export PGBIN
  PG_BASE=$(PG_DURABLE=1 bash scripts/pg-cluster.sh start "$PG_DIR")
  say "bench: PostgreSQL $($PGBIN/postgres --version | grep -oE '[0-9]+(\.[0-9]+)*' | head -1) at $PG_BASE"
fi

pg() { # DB SQL → rows, unaligned, '|' between columns (as sqlite3 prints them); no NOTICEs
  PGOPTIONS="-c client_min_messages=warning" "$PGBIN/psql" "$1" -qAtX -v ON_ERROR_STOP=1 -c "$2"
}

# pg_fresh N: a fresh copy of the seeded database of N enterprises; its URI in PG_URI.
pg_fresh() {
  local n=$1 dump="$OUT/seed-$1.pgdump" key="$OUT/seed-$1.pg.key"
  if [[ -z $(pg "${PG_BASE}postgres" "SELECT 1 FROM pg_database WHERE datname = 'seed_$n'") ]]; then
    if [[ -f $dump && -f $key ]]; then
      say "bench: restoring $dump"
      pg "${PG_BASE}postgres" "CREATE DATABASE seed_$n" >/dev/null
      "$PGBIN/pg_restore" --no-owner --exit-on-error -d "${PG_BASE}seed_$n" "$dump"
    else
      say "bench: seeding $n enterprises into PostgreSQL (once; kept as $dump)"
      rm -f "$key.tmp" "$dump.tmp"
      pg "${PG_BASE}postgres" "CREATE DATABASE seed_$n" >/dev/null
      ./build/smip seed --enterprises "$n" --db "${PG_BASE}seed_$n" --key "$key.tmp" >&2
      "$PGBIN/pg_dump" -Fc -f "$dump.tmp" "${PG_BASE}seed_$n"
      mv "$dump.tmp" "$dump"
      mv "$key.tmp" "$key"
    fi
  fi
  pg "${PG_BASE}postgres" "DROP DATABASE IF EXISTS run_$n WITH (FORCE)" >/dev/null
  pg "${PG_BASE}postgres" "CREATE DATABASE run_$n TEMPLATE seed_$n" >/dev/null
  PG_URI="${PG_BASE}run_$n"
}

# ---------------------------------------------------------------- one database size

# bench_server KIND N RESFILE DB [smip args…]: serves DB (KIND sqlite or pg), runs the rounds of
# scenarios a–g (and h, SQLite's commit ceiling, beside the SQLite run) and the logins into
# RESFILE; sets BS_HWM (smip's VmHWM, kB), BS_QUEUE and BS_ROWS (the district queue).
bench_server() {
  local kind=$1 n=$2 res=$3 db=$4
  shift 4
  query() { if [[ $kind == pg ]]; then pg "$db" "$1"; else sqlite3 "$db" "$1"; fi; }
  local port
  port=$(free_port)
  BASE="http://127.0.0.1:$port"
  ./build/smip serve --db "$db" "$@" --listen "127.0.0.1:$port" --public-url "$BASE" \
    >"$TMP/smip-$kind-$n.log" 2>&1 &
  SMIP_PID=$!
  wait_http "$BASE/healthz"

  # Who acts: enterprises with a filled, pre-checked draft, outside the queue district first
  # (a small seed has only 500112) — one reads (c, d), up to POOL others write (f, g), one more
  # logs in; the district 500112 (e).
  local q="SELECT ac.username || ' ' || a.id FROM accounts ac JOIN applications a
           ON a.enterprise_id = ac.enterprise_id WHERE a.status = 'draft'
           AND EXISTS (SELECT 1 FROM application_findings f WHERE f.application_id = a.id) ORDER BY a.district_code = '500112', a.id"
  local picks
  mapfile -t picks < <(query "$q LIMIT $((POOL + 2));")
  local writers=$((${#picks[@]} - 2))
  ((writers >= 1)) || { say "bench: the database has too few drafts (${#picks[@]})"; exit 1; }
  ((writers == POOL)) || say "bench: only $writers drafts to write to (POOL=$POOL)"
  local reader=${picks[0]% *} read_app=${picks[0]#* } login_user=${picks[1]% *}
  read -r RCOOKIE RCSRF < <(login "$reader")
  local dcsrf
  read -r DCOOKIE dcsrf < <(login d500112)
  # The district works inside imp (seeds before the connect step was added lack it; harmless).
  curl -fsS -o /dev/null -X POST -H "Cookie: smip_session=$DCOOKIE" -H "X-CSRF-Token: $dcsrf" \
    -H 'Content-Type: application/json' --data '{}' "$BASE/api/v1/apps/imp/connect"
  local pool="$TMP/pool-$kind.txt"
  : >"$pool"
  local i
  for ((i = 2; i < writers + 2; i++)); do
    echo "$(login "${picks[i]% *}") ${picks[i]#* }" >>"$pool"
  done
  local queue
  queue=$(query "SELECT count(*) FROM applications WHERE district_code = '500112' AND status <> 'draft'")

  # Every scenario answers 200 before it is timed (a fast 302 or 403 would measure nothing).
  local rc=(-H "Cookie: smip_session=$RCOOKIE")
  read -r pc pt pid <"$pool"
  expect_200 GET "http://127.0.0.1:$NGINX_PORT/static.html"
  expect_200 GET "$BASE/"
  expect_200 GET "$BASE/dashboard" "${rc[@]}"
  expect_200 GET "$BASE/api/v1/applications/$read_app" "${rc[@]}"
  expect_200 GET "$BASE/district" -H "Cookie: smip_session=$DCOOKIE"
  expect_200 POST "$BASE/api/v1/applications/$pid/check" -H "Cookie: smip_session=$pc" \
    -H "X-CSRF-Token: $pt" -H 'Content-Type: application/json' --data '{}'
  local queue_rows
  queue_rows=$(curl -s -H "Cookie: smip_session=$DCOOKIE" "$BASE/district" | grep -c 'href="/applications/[0-9]' || true)

  RES=$res
  : >"$RES"
  local r
  for ((r = 1; r <= ROUNDS; r++)); do
    say "bench: $n enterprises on $kind, round $r/$ROUNDS"
    wrk_run a_nginx_static "http://127.0.0.1:$NGINX_PORT/static.html" -s bench/wrk-report.lua
    wrk_run b_home "$BASE/" -s bench/wrk-report.lua
    wrk_run c_dashboard "$BASE/dashboard" -s bench/wrk-report.lua "${rc[@]}"
    wrk_run d_app_json "$BASE/api/v1/applications/$read_app" -s bench/wrk-report.lua "${rc[@]}"
    wrk_run e_district_queue "$BASE/district" -s bench/wrk-report.lua \
      -H "Cookie: smip_session=$DCOOKIE"
    wrk_run f_draft_put "$BASE" -s bench/wrk-report.lua -- "$pool" put
    wrk_run g_precheck "$BASE" -s bench/wrk-report.lua -- "$pool" check
    if [[ $kind == sqlite ]]; then
      local cr
      cr=$("$OUT/commit_rate" "$TMP/commit-rate.db" "$COMMIT_SECONDS")
      echo "h_sqlite_commit WRKRESULT rps=${cr#commits_per_s=}" | sed 's/ commits=.*//' >>"$RES"
      say "  h_sqlite_commit $cr"
    fi
  done
  CROWD_RES=""
  if [[ $CROWD != 0 && $kind == sqlite ]]; then
    CROWD_RES="$TMP/crowd-$kind-$n.txt"
    bench_crowd "$kind" "$n" "$CROWD_RES"
  fi
  RES=$res
  # Logins apart: few connections (two hashes run at a time on two cores, 19 MiB each).
  local save=$CONNS
  CONNS=$LOGIN_CONNS
  local saved_d=$DURATION
  DURATION=$LOGIN_DURATION
  wrk_run login "$BASE" -s bench/wrk-report.lua -- - login "$login_user"
  CONNS=$save
  DURATION=$saved_d
  hostile_forms "$kind" "$n"
  local hwm
  hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$SMIP_PID/status")
  kill "$SMIP_PID"
  wait "$SMIP_PID" 2>/dev/null || true
  SMIP_PID=""
  # Whatever the server reported besides starting and stopping: an SQL error would otherwise
  # show only as a slow scenario (a kept page renders afresh when its version cannot be read).
  local odd
  odd=$(grep -v -e '^smip: serving on ' -e '^smip: signal ' "$TMP/smip-$kind-$n.log" | head -20 || true)
  if [[ -n $odd ]]; then
    say "bench: the server ($kind, $n enterprises) reported:"
    say "$odd"
  fi
  BS_HWM=$hwm BS_QUEUE=$queue BS_ROWS=$queue_rows BS_CROWD=$CROWD_RES
}

# bench_crowd KIND N RESFILE: the crowd against the server at $BASE. Signs in CROWD_USERS
# enterprises that own a draft (spread over the table by a fixed shuffle), the 41 districts, up
# to CROWD_EXPERTS experts and the commission; asks each scenario once per role before timing
# it; then ROUNDS interleaved rounds of nginx (1 and 2 workers) and the scenarios, all through
# bench/crowd.lua, into RESFILE.
bench_crowd() {
  local kind=$1 n=$2 res=$3 users="$TMP/crowd-users.txt" sess="$TMP/crowd-sessions.txt"
  query "SELECT 'e' || ' ' || ac.username || ' ' || a.id FROM accounts ac JOIN applications a
         ON a.enterprise_id = ac.enterprise_id WHERE ac.role = 'enterprise' AND a.status = 'draft'
         ORDER BY (a.id * 7919) % 10007, a.id LIMIT $CROWD_USERS;
         SELECT 'd ' || username || ' -' FROM accounts WHERE role = 'district' ORDER BY username;
         SELECT 'x ' || username || ' -' FROM accounts WHERE role = 'expert' ORDER BY username
         LIMIT $CROWD_EXPERTS;
         SELECT 'c ' || username || ' -' FROM accounts WHERE role = 'commission' ORDER BY username;" \
    >"$users"
  local ne nd nx nc
  ne=$(grep -c '^e ' "$users" || true) nd=$(grep -c '^d ' "$users" || true)
  nx=$(grep -c '^x ' "$users" || true) nc=$(grep -c '^c ' "$users" || true)
  ((ne == CROWD_USERS)) || say "bench: only $ne enterprises own a draft (CROWD_USERS=$CROWD_USERS)"
  ((ne >= 1 && nd >= 1)) || { say "bench: no crowd (enterprises with drafts $ne, districts $nd)"; exit 1; }
  say "bench: signing in the crowd: $ne enterprises, $nd districts, $nx experts, $nc commission"
  python3 bench/crowd_login.py "$BASE" "$PASSWORD" "$users" "$sess" "$CROWD_LOGINS"
  # Reviewers work inside imp (the seed connects them; older seeds lack it: harmless).
  local role c t id
  while read -r role c t id; do
    [[ $role == e ]] && continue
    curl -fsS -o /dev/null -X POST -H "Cookie: smip_session=$c" -H "X-CSRF-Token: $t" \
      -H 'Content-Type: application/json' --data '{}' "$BASE/api/v1/apps/imp/connect"
  done <"$sess"
  CROWD_COUNTS="$ne $nd $nx $nc"

  # Each scenario answers 200 for the first user of its role before it is timed.
  read -r _ c t id < <(grep '^e ' "$sess" | head -1)
  local ec=(-H "Cookie: smip_session=$c")
  expect_200 GET "$BASE/dashboard" "${ec[@]}"
  expect_200 GET "$BASE/api/v1/applications/$id" "${ec[@]}"
  expect_200 GET "$BASE/applications/$id" "${ec[@]}"
  expect_200 PUT "$BASE/api/v1/applications/$id" "${ec[@]}" -H "X-CSRF-Token: $t" \
    -H 'Content-Type: application/json' --data '{"equipment_total":130}'
  expect_200 POST "$BASE/api/v1/applications/$id/check" "${ec[@]}" -H "X-CSRF-Token: $t" \
    -H 'Content-Type: application/json' --data '{}'
  local r p
  for r in d:district x:expert c:commission; do
    read -r _ c _ _ < <(grep "^${r%%:*} " "$sess" | head -1) || continue
    expect_200 GET "$BASE/${r#*:}" -H "Cookie: smip_session=$c"
  done
  local scenarios=(dashboard json page district)
  ((nx > 0)) && scenarios+=(expert)
  ((nc > 0)) && scenarios+=(commission)
  scenarios+=(save check mix)

  RES=$res
  : >"$RES"
  for ((r = 1; r <= ROUNDS; r++)); do
    say "bench: the crowd, $n enterprises on $kind, round $r/$ROUNDS"
    wrk_run crowd_nginx1 "http://127.0.0.1:$NGINX_PORT" -s bench/crowd.lua -- "$sess" static
    wrk_run crowd_nginx2 "http://127.0.0.1:$NGINX2_PORT" -s bench/crowd.lua -- "$sess" static
    for p in "${scenarios[@]}"; do
      wrk_run "crowd_$p" "$BASE" -s bench/crowd.lua -- "$sess" "$p"
      if [[ $p == save ]]; then
        # the disk's raw commit rate right after the saves: the ceiling they are read against
        local cr
        cr=$("$OUT/commit_rate" "$TMP/commit-rate.db" "$COMMIT_SECONDS")
        echo "crowd_commit WRKRESULT rps=${cr#commits_per_s=}" | sed 's/ commits=.*//' >>"$RES"
        say "  crowd_commit $cr"
      fi
    done
  done
}

# hostile_forms KIND N: the server's CPU for bodies sent to hurt it — 2 MB chunked to the public
# login form, one 20 MB field and 80,000 repeated keys to a signed-in form — each refused (413)
# within linear work; printed after the table (before, a 2 MB field cost 35 s of CPU).
cpu_ms() { awk '{print ($14 + $15) * 1000 / '"$(getconf CLK_TCK)"'}' "/proc/$SMIP_PID/stat"; }
hostile_forms() {
  local kind=$1 n=$2 before after codes=""
  before=$(cpu_ms)
  codes+=$(head -c $((2 << 20)) /dev/zero | tr '\0' a | curl -s -o /dev/null -w '%{http_code} ' \
    -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/x-www-form-urlencoded' \
    --data-binary @- "$BASE/login")
  codes+=$({ printf 'name='; head -c $((20 << 20)) /dev/zero | tr '\0' x; } |
    curl -s -o /dev/null -w '%{http_code} ' -H "Cookie: smip_session=$RCOOKIE" \
      -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @- "$BASE/profile")
  # (yes ends on SIGPIPE when head has enough: not a failure under pipefail)
  codes+=$({ yes 'a=b&' || true; } | head -n 80000 | tr -d '\n' |
    curl -s -o /dev/null -w '%{http_code}' -H "Cookie: smip_session=$RCOOKIE" \
      -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @- "$BASE/profile")
  after=$(cpu_ms)
  echo "hostile form bodies ($kind, $n enterprises): 2 MB public + 20 MB field + 80,000 keys," \
    "answered $codes, server CPU $(awk -v a="$after" -v b="$before" 'BEGIN {print a - b}') ms" \
    >>"$OUT/hostile.txt"
}

bench_size() {
  local n=$1 seed="$OUT/seed-$1.db"
  if [[ ! -f $seed || ! -f $seed.key ]]; then
    say "bench: seeding $n enterprises into $seed (once; kept)"
    rm -f "$seed.tmp" "$seed.tmp.key" "$seed.tmp-wal" "$seed.tmp-shm"
    ./build/smip seed --enterprises "$n" --db "$seed.tmp" >&2
    mv "$seed.tmp.key" "$seed.key"
    mv "$seed.tmp" "$seed"
  fi
  # A seed kept from an older build is brought up to the current schema once, in place (a large
  # one takes minutes to migrate: not inside each run's start).
  ./build/smip init --db "$seed" >/dev/null
  local load_before load_after
  load_before=$(uptime)
  local db="$TMP/smip-$n.db"
  cp "$seed" "$db"
  cp "$seed.key" "$db.key"
  rm -f "$db-wal" "$db-shm"
  bench_server sqlite "$n" "$TMP/res-$n.txt" "$db"
  local hwm=$BS_HWM queue=$BS_QUEUE queue_rows=$BS_ROWS crowd_res=$BS_CROWD
  load_after=$(uptime)

  local pg_res="" pg_hwm=0
  if [[ -n $PG_BASE ]]; then
    pg_fresh "$n"
    pg_res="$TMP/res-pg-$n.txt"
    bench_server pg "$n" "$pg_res" "$PG_URI" --key "$OUT/seed-$n.pg.key"
    pg_hwm=$BS_HWM
    pg "${PG_BASE}postgres" "DROP DATABASE IF EXISTS run_$n WITH (FORCE)" >/dev/null
  fi

  python3 - "$TMP/res-$n.txt" "$n" "$hwm" "$queue" "$queue_rows" "$OUT/results-$n.json" "$ROUNDS" \
    "$CONNS" "$DURATION" "$pg_res" "$pg_hwm" "$crowd_res" "${CROWD_COUNTS:-0 0 0 0}" \
    "$load_before" "$load_after" <<'PY' || { rc=$?; ((rc == 3)) || exit $rc; BAD_ANSWERS=1; }
import json, re, statistics, sys, os
(res, n, hwm, queue, rows, out, rounds, conns, dur, pg_res, pg_hwm, crowd_res, counts,
 load_before, load_after) = sys.argv[1:]
def load(path):
    runs = {}
    for line in open(path):
        name, _, rest = line.strip().partition(" ")
        kv = dict(re.findall(r"(\w+)=([\d.]+)(?:\s|$)", rest))
        x = {k: float(v) for k, v in kv.items()}
        codes = re.search(r"codes=(\S+)", rest)
        if codes and codes.group(1) != "-": x["codes"] = codes.group(1)
        runs.setdefault(name, []).append(x)
    def med(name):
        rs = sorted(runs[name], key=lambda x: x["rps"])
        m = rs[len(rs) // 2]
        # bad answers of any round count, not only the median's
        return dict(m, rounds=[x["rps"] for x in runs[name]],
                    bad=sum(x.get("bad", 0) for x in runs[name]),
                    codes=",".join(sorted({c for x in runs[name] for c in x.get("codes", "").split(",") if c})))
    return {k: med(k) for k in runs}
s = load(res)
a = s["a_nginx_static"]["rps"]; h = s["h_sqlite_commit"]["rps"]
target = {"b_home": ("a", 0.70), "c_dashboard": ("a", 0.50), "d_app_json": ("a", 0.50),
          "e_district_queue": ("a", 0.25), "f_draft_put": ("h", 0.70)}
label = {"a_nginx_static": "(a) nginx 5 KB static", "b_home": "(b) home page",
         "c_dashboard": "(c) enterprise dashboard", "d_app_json": "(d) GET application JSON",
         "e_district_queue": f"(e) district queue ({rows} rows)", "f_draft_put": "(f) PUT draft (durable)",
         "g_precheck": "(g) POST pre-check", "h_sqlite_commit": "(h) SQLite commits, FULL",
         "login": "login (argon2id)"}
order = ["a_nginx_static", "b_home", "c_dashboard", "d_app_json", "e_district_queue",
         "f_draft_put", "g_precheck", "h_sqlite_commit", "login"]
print(f"\n== {int(n):,} enterprises, SQLite: median of {rounds} rounds, {conns} connections, {dur} each ==")
print(f"{'scenario':34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}  ratio         target")
fails = []
for k in order:
    if k not in s: continue
    x = s[k]; ratio = tgt = ""
    if k in target:
        base, want = target[k]
        r = x["rps"] / (a if base == "a" else h)
        ok = r >= want
        ratio = f"{r:5.2f} of ({base})"
        tgt = f"≥ {want:.2f} {'ok' if ok else 'MISSED'}"
        if not ok: fails.append(f"{label[k]}: {r:.2f} of ({base}), target {want}")
    elif k == "g_precheck":
        ratio = f"{x['rps'] / h:5.2f} of (h)"
    if k in ("b_home", "c_dashboard", "d_app_json", "e_district_queue") and x.get("p99", 0) > 10:
        tgt += f"  p99 > 10 ms MISSED"
        fails.append(f"{label[k]}: p99 {x['p99']:.1f} ms > 10 ms")
    if x.get("bad", 0) > 0:
        tgt += f"  {int(x['bad'])} BAD ANSWERS"
        fails.append(f"{label[k]}: {int(x['bad'])} errors or answers >= 400")
    p50 = f"{x['p50']:8.2f}" if "p50" in x else f"{'':8}"
    p99 = f"{x['p99']:8.2f}" if "p99" in x else f"{'':8}"
    print(f"{label[k]:34} {x['rps']:9.0f} {p50} {p99}  {ratio:13} {tgt}")
mb = int(hwm) / 1024
print(f"smip peak RSS (VmHWM): {mb:.1f} MB  target ≤ 64 MB {'ok' if mb <= 64 else 'MISSED'}")
if mb > 64: fails.append(f"peak RSS {mb:.1f} MB > 64 MB")
print(f"district 500112 queue: {queue} applications past draft")
result = {"enterprises": int(n), "scenarios": s, "vmhwm_kb": int(hwm), "misses": fails}
if pg_res:
    # The PostgreSQL column: the same scenarios, its own nginx (a) of the same rounds as the
    # reference for the ratio, and each figure beside SQLite's.
    p = load(pg_res)
    pa = p["a_nginx_static"]["rps"]
    print(f"\n== {int(n):,} enterprises, PostgreSQL column (same scenarios, same knobs) ==")
    print(f"{'scenario':34} {'SQLite':>9} {'PG req/s':>9} {'p50 ms':>8} {'p99 ms':>8}  {'PG/SQLite':>9}  ratio of (a)")
    for k in order:
        if k not in p: continue
        x = p[k]; sq = s.get(k, {}).get("rps", 0)
        p50 = f"{x['p50']:8.2f}" if "p50" in x else f"{'':8}"
        p99 = f"{x['p99']:8.2f}" if "p99" in x else f"{'':8}"
        rel = f"{x['rps'] / sq:9.2f}" if sq else f"{'':9}"
        ra = f"{x['rps'] / pa:5.2f}" if k != "a_nginx_static" else "—"
        bad = f"  {int(x['bad'])} BAD ANSWERS" if x.get("bad", 0) > 0 else ""
        print(f"{label[k]:34} {sq:9.0f} {x['rps']:9.0f} {p50} {p99}  {rel}  {ra}{bad}")
    pmb = int(pg_hwm) / 1024
    print(f"smip peak RSS (VmHWM) on PostgreSQL: {pmb:.1f} MB (PostgreSQL's own processes not counted)")
    result["postgresql"] = {"scenarios": p, "vmhwm_kb": int(pg_hwm)}
if crowd_res:
    # The crowd: each scenario's req/s against the better nginx of the same rounds (1 or 2
    # workers, through the same script), saves against SQLite's raw commit rate (h).
    c = load(crowd_res)
    ne, nd, nx, nc = counts.split()
    n1, n2 = c["crowd_nginx1"]["rps"], c["crowd_nginx2"]["rps"]
    ceil = max(n1, n2)
    # (h) measured right after the crowd's saves when there is one (the disk is shared)
    h = c.get("crowd_commit", {}).get("rps") or h
    print(f"\n== the crowd, {int(n):,} enterprises, SQLite: {ne} enterprises, {nd} districts, "
          f"{nx} experts, {nc} commission signed in; random user per request; median of {rounds} "
          f"rounds, {conns} connections, {dur} each ==")
    print(f"{'scenario (random user each request)':44} {'req/s':>8} {'÷nginx':>7} {'÷(h)':>6} "
          f"{'p50 ms':>7} {'p99 ms':>7} {'bad':>5}  target")
    clabel = {"crowd_nginx1": "nginx static, 1 worker", "crowd_nginx2": "nginx static, 2 workers",
              "crowd_dashboard": "enterprise dashboard /dashboard",
              "crowd_json": "application JSON /api/v1/applications/{id}",
              "crowd_page": "application page /applications/{id}",
              "crowd_district": "district queue /district",
              "crowd_expert": "expert desk /expert", "crowd_commission": "commission desk /commission",
              "crowd_save": "durable draft save (PUT, unique value)",
              "crowd_check": "pre-check (POST …/check)",
              "crowd_commit": "(h) SQLite commits/s after the saves",
              "crowd_mix": "the mix 35/25/10/15/5/10"}
    reads = ("crowd_dashboard", "crowd_json", "crowd_page", "crowd_district", "crowd_expert",
             "crowd_commission")
    for k in clabel:
        if k not in c: continue
        x = c[k]; notes = []
        rn = x["rps"] / ceil
        rh = f"{x['rps'] / h:6.2f}" if k in ("crowd_save", "crowd_check") else f"{'':6}"
        if k == "crowd_commit":
            print(f"{clabel[k]:44} {x['rps']:8.0f}")
            continue
        if k.startswith("crowd_nginx"):
            notes.append("ceiling" if x["rps"] == ceil else "")
        elif k in reads:
            ok = rn >= 0.50 and x["p99"] <= 10
            notes.append(f"≥ 0.50, p99 ≤ 10 {'ok' if ok else 'MISSED'}")
            if not ok: fails.append(f"crowd {clabel[k]}: {rn:.2f} of nginx, p99 {x['p99']:.1f} ms")
        elif k == "crowd_save":
            ok = x["rps"] / h >= 0.70
            notes.append(f"≥ 0.70 of (h) {'ok' if ok else 'MISSED'}")
            if not ok: fails.append(f"crowd {clabel[k]}: {x['rps'] / h:.2f} of (h)")
        elif k == "crowd_mix":
            ok = rn >= 0.30 and x["p99"] <= 25
            notes.append(f"≥ 0.30, p99 ≤ 25 {'ok' if ok else 'MISSED'}")
            if not ok: fails.append(f"crowd {clabel[k]}: {rn:.2f} of nginx, p99 {x['p99']:.1f} ms")
        if x.get("bad", 0) > 0:
            notes.append(f"!!! {int(x['bad'])} BAD ANSWERS ({x.get('codes') or 'socket errors'})")
            fails.append(f"crowd {clabel[k]}: {int(x['bad'])} answers not 200")
        rtxt = "" if k.startswith("crowd_nginx") else f"{rn:7.2f}" if rn >= 0.1 else f"{rn:7.3f}"
        print(f"{clabel[k]:44} {x['rps']:8.0f} {rtxt:>7} {rh} {x['p50']:7.2f} {x['p99']:7.2f} "
              f"{int(x.get('bad', 0)):5d}  {' '.join(notes)}")
    print(f"smip peak RSS (VmHWM, whole run, crowd included): {mb:.1f} MB  target ≤ 64 MB "
          f"{'ok' if mb <= 64 else 'MISSED'}")
    result["crowd"] = {"scenarios": c, "signed_in": {"enterprises": int(ne), "districts": int(nd),
                       "experts": int(nx), "commission": int(nc)}, "ceiling": ceil}
print(f"load before: {load_before.strip()}\nload after:  {load_after.strip()}")
result["uptime"] = [load_before.strip(), load_after.strip()]
result["misses"] = fails
json.dump(result, open(out, "w"), indent=1)
if fails:
    print("\nmissed: " + "; ".join(fails))
bad = [f for f in fails if "BAD" in f or "not 200" in f or "errors or answers" in f]
if bad:
    print("\n" + "!" * 78 + f"\n!!! {len(bad)} scenario(s) had BAD ANSWERS: their figures measure "
          "errors, not pages\n" + "!" * 78)
    sys.exit(3)
PY
}

BAD_ANSWERS=0
: >"$OUT/hostile.txt"
for n in $SIZES; do
  bench_size "$n"
done
echo
cat "$OUT/hostile.txt"

# ---------------------------------------------------------------- growth (100,000 vs 5,000)
if [[ -f $OUT/results-5000.json && -f $OUT/results-100000.json ]]; then
  python3 - "$OUT/results-5000.json" "$OUT/results-100000.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
print("\n== growth: 100,000 vs 5,000 enterprises (target: no scenario slower than 2x) ==")
for k in ["b_home", "c_dashboard", "d_app_json", "e_district_queue", "f_draft_put", "g_precheck"]:
    x, y = a["scenarios"].get(k), b["scenarios"].get(k)
    if not x or not y or not y["rps"]: continue
    slow = x["rps"] / y["rps"]
    print(f"{k:20} {x['rps']:9.0f} → {y['rps']:9.0f} req/s   {slow:4.2f}x slower  "
          f"{'ok' if slow <= 2 else 'MISSED'}")
ca, cb = a.get("crowd", {}).get("scenarios", {}), b.get("crowd", {}).get("scenarios", {})
for k in ca:
    if k.startswith("crowd_nginx") or k == "crowd_commit" or k not in cb or not cb[k]["rps"]: continue
    slow = ca[k]["rps"] / cb[k]["rps"]
    print(f"{k:20} {ca[k]['rps']:9.0f} → {cb[k]['rps']:9.0f} req/s   {slow:4.2f}x slower  "
          f"{'ok' if slow <= 2 else 'MISSED'}")
PY
fi
if ((BAD_ANSWERS)); then
  say "bench: SOME SCENARIOS HAD BAD ANSWERS (see the tables above): this run is not a measurement"
  exit 3
fi
