-- card.lua — GET the stamp card page, rotating through the seeded participants.
local cookies = {}
for line in io.lines(os.getenv("BENCH_COOKIES")) do cookies[#cookies + 1] = line end
local slug = os.getenv("BENCH_SLUG")
local i = 0
function setup(thread) thread:set("offset", math.random(1, 1000000)) end
function init(args) i = offset or 0 end
function request()
  i = i + 1
  return wrk.format("GET", "/r/" .. slug .. "/card", { ["Cookie"] = cookies[i % #cookies + 1] })
end
