-- bench/wrk-report.lua — shared by every wrk run of `make bench`: prints one machine-readable
-- line that bench/run.sh collects. Latencies in milliseconds; "bad" counts socket errors and
-- answers >= 400 (a scenario with bad > 0 is reported as invalid, not as fast).
-- With `-- POOLFILE put|check|login ARG` it also builds the request (see run.sh):
--   put / check: rotates over "COOKIE CSRF APP_ID" lines (one enterprise per line), so the
--   durable writes are spread over many applications as in a real deadline rush;
--   login: POST /api/v1/session for the user name ARG (password Bench2020pass).
local idx, mode, login_body = 0, nil, nil
local put_body = '{"equipment_total":130,"data_points_uploaded":390,' ..
  '"networked":{"processing":true,"inspection":true,"logistics":true},' ..
  '"integration":{"realtime_data_mes_erp":true,"description":"MES 与 ERP 实时交换生产数据（草稿保存）"},' ..
  '"kpis":{"operating_cost":{"before":"100","after":"80"},"efficiency":{"before":"100","after":"115"}}}'

-- The requests are formatted once, in init: formatting each in Lua made wrk spend ~38 µs of CPU
-- a save request instead of ~27 (measured), CPU the server then lacked on the cores they share.
local reqs = {}

function init(args)
  mode = args[2]
  if mode == "login" then
    login_body = '{"username":"' .. args[3] .. '","password":"Bench2020pass"}'
    reqs[1] = wrk.format("POST", "/api/v1/session", { ["Content-Type"] = "application/json" }, login_body)
  elseif mode then
    for line in io.lines(args[1]) do
      local c, t, id = line:match("^(%S+) (%S+) (%S+)$")
      if c then
        local h = { ["Cookie"] = "smip_session=" .. c, ["X-CSRF-Token"] = t,
                    ["Content-Type"] = "application/json" }
        if mode == "put" then
          reqs[#reqs + 1] = wrk.format("PUT", "/api/v1/applications/" .. id, h, put_body)
        else
          reqs[#reqs + 1] = wrk.format("POST", "/api/v1/applications/" .. id .. "/check", h, "{}")
        end
      end
    end
    idx = math.random(#reqs)
  end
end

function request()
  if mode then
    idx = idx % #reqs + 1
    return reqs[idx]
  end
  return wrk.request()
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRKRESULT rps=%.1f p50=%.3f p99=%.3f n=%d bad=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.requests,
    e.connect + e.read + e.write + e.timeout + e.status))
end
