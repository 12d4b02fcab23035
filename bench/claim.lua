-- claim.lua — POST /api/v1/stamps, rotating participants and spots, so the
-- run mixes new stamps (writes) with repeats (reads), as a real rally does.
local cookies, tokens = {}, {}
for line in io.lines(os.getenv("BENCH_COOKIES")) do cookies[#cookies + 1] = line end
for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
local i = 0
-- BENCH_OFFSET: where in that rotation to start (bench/backup gives each run
-- its own stretch, so every run writes new stamps); random otherwise.
function setup(thread) thread:set("offset", tonumber(os.getenv("BENCH_OFFSET") or "") or math.random(1, 1000000)) end
function init(args) i = offset or 0 end
function request()
  i = i + 1
  local c = cookies[i % #cookies + 1]
  local t = tokens[(i * 7 + math.floor(i / #cookies)) % #tokens + 1]
  return wrk.format("POST", "/api/v1/stamps",
    { ["Cookie"] = c, ["Content-Type"] = "application/json" }, '{"qr_token":"' .. t .. '"}')
end
