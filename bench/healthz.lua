-- healthz.lua — GET /healthz through the same kind of request() function as
-- card.lua (a rotating cookie), to show what wrk's scripting costs on its own
-- when wrk shares the machine's CPUs with the server.
local cookies = {}
for line in io.lines(os.getenv("BENCH_COOKIES")) do cookies[#cookies + 1] = line end
local i = 0
function setup(thread) thread:set("offset", math.random(1, 1000000)) end
function init(args) i = offset or 0 end
function request()
  i = i + 1
  return wrk.format("GET", "/healthz", { ["Cookie"] = cookies[i % #cookies + 1] })
end
