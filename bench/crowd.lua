-- bench/crowd.lua — the crowd scenarios of `make bench` (bench/run.sh): every request comes from a
-- random signed-in user, as in a deadline week, not from one user asking the same page again.
-- Usage: wrk … -s bench/crowd.lua URL -- SESSIONS SCENARIO
--   SESSIONS: lines "ROLE COOKIE CSRF APP_ID" (ROLE e enterprise, d district, x expert,
--   c commission; APP_ID the enterprise's own draft application, "-" for the others).
--   SCENARIO: dashboard | json | page | district | expert | commission | save | check | mix |
--   static (nginx's file, asked with a random enterprise's cookie: the same script work a
--   request, so nginx's figure is the ceiling for the same client cost).
-- Every answer is checked: anything but 200 counts as bad (wrk itself counts only >= 400), and
-- done() prints one WRKRESULT line for run.sh with bad = socket errors + non-200 answers and the
-- statuses seen besides 200. A save sends a value no earlier request sent (thread, counter, random).
local scenario
local users = { e = {}, d = {}, x = {}, c = {} }
local pick -- function() -> one formatted request
-- Globals, not locals: setup() sets tid and done() reads bad and seen through thread:set/get.
bad, seen, tid = 0, ",", 0

local save_head = '{"equipment_total":130,"data_points_uploaded":390,' ..
  '"networked":{"processing":true,"inspection":true,"logistics":true},' ..
  '"integration":{"realtime_data_mes_erp":true,"description":"MES 与 ERP 实时交换生产数据（草稿 '
local save_tail = '）"},' ..
  '"kpis":{"operating_cost":{"before":"100","after":"80"},"efficiency":{"before":"100","after":"115"}}}'
local save_len = #save_head + 20 + #save_tail -- the unique part is always 20 characters

local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  threads[#threads + 1] = thread
end

-- GET requests formatted once per user (formatting each in Lua costs wrk CPU the server lacks).
local function gets(list, path_of)
  local out = {}
  for i, u in ipairs(list) do
    out[i] = wrk.format("GET", path_of(u), { ["Cookie"] = "smip_session=" .. u.cookie })
  end
  return out
end

local function any(reqs)
  local n = #reqs
  return function() return reqs[math.random(n)] end
end

-- A save: the head (request line, headers, Content-Length) formatted once per user, the body
-- built per request around a unique 20-character value.
local counter = 0
local function saves(list)
  local heads = {}
  for i, u in ipairs(list) do
    heads[i] = "PUT /api/v1/applications/" .. u.app .. " HTTP/1.1\r\nHost: " .. wrk.host ..
      "\r\nCookie: smip_session=" .. u.cookie .. "\r\nX-CSRF-Token: " .. u.csrf ..
      "\r\nContent-Type: application/json\r\nContent-Length: " .. save_len .. "\r\n\r\n"
  end
  local n = #heads
  return function()
    counter = counter + 1
    return heads[math.random(n)] .. save_head ..
      string.format("%02d%010d%08d", tid % 100, counter % 10000000000, math.random(0, 99999999)) ..
      save_tail
  end
end

local function checks(list)
  local out = {}
  for i, u in ipairs(list) do
    out[i] = wrk.format("POST", "/api/v1/applications/" .. u.app .. "/check",
      { ["Cookie"] = "smip_session=" .. u.cookie, ["X-CSRF-Token"] = u.csrf,
        ["Content-Type"] = "application/json" }, "{}")
  end
  return any(out)
end

function init(args)
  tid = tonumber(tid) or 0
  math.randomseed(os.time() * 1000 + tid)
  for line in io.lines(args[1]) do
    local role, c, t, id = line:match("^(%S+) (%S+) (%S+) (%S+)$")
    if role and users[role] then
      table.insert(users[role], { cookie = c, csrf = t, app = id })
    end
  end
  scenario = args[2]
  local e = users.e
  local function need(list, what)
    if #list == 0 then error("crowd.lua: no " .. what .. " sessions in " .. args[1]) end
    return list
  end
  local make = {
    static = function() return any(gets(need(e, "enterprise"), function() return "/static.html" end)) end,
    dashboard = function() return any(gets(need(e, "enterprise"), function() return "/dashboard" end)) end,
    json = function()
      return any(gets(need(e, "enterprise"), function(u) return "/api/v1/applications/" .. u.app end))
    end,
    page = function()
      return any(gets(need(e, "enterprise"), function(u) return "/applications/" .. u.app end))
    end,
    district = function() return any(gets(need(users.d, "district"), function() return "/district" end)) end,
    expert = function() return any(gets(need(users.x, "expert"), function() return "/expert" end)) end,
    commission = function()
      return any(gets(need(users.c, "commission"), function() return "/commission" end))
    end,
    save = function() return saves(need(e, "enterprise")) end,
    check = function() return checks(need(e, "enterprise")) end,
  }
  -- The mix: 35 % dashboard, 25 % JSON, 10 % page, 15 % save, 5 % check, 10 % district queue.
  make.mix = function()
    local parts = { { make.dashboard(), 35 }, { make.json(), 25 }, { make.page(), 10 },
      { make.save(), 15 }, { make.check(), 5 }, { make.district(), 10 } }
    local slots = {}
    for _, p in ipairs(parts) do
      for _ = 1, p[2] do slots[#slots + 1] = p[1] end
    end
    return function() return slots[math.random(100)]() end
  end
  if not make[scenario] then error("crowd.lua: unknown scenario " .. tostring(scenario)) end
  pick = make[scenario]()
end

function request()
  return pick()
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
    if not seen:find("," .. status .. ",", 1, true) then seen = seen .. status .. "," end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local nbad, codes = e.connect + e.read + e.write + e.timeout, ","
  for _, t in ipairs(threads) do
    nbad = nbad + (tonumber(t:get("bad")) or 0)
    for c in (t:get("seen") or ""):gmatch("%d+") do
      if not codes:find("," .. c .. ",", 1, true) then codes = codes .. c .. "," end
    end
  end
  codes = codes:gsub("^,", ""):gsub(",$", "")
  io.write(string.format("WRKRESULT rps=%.1f p50=%.3f p99=%.3f n=%d bad=%d codes=%s\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.requests, nbad, codes == "" and "-" or codes))
end
