-- wrk script of bench/serve: POST /v1/segment, the photos named in
-- PHOTOS (space-separated paths) in turn, as image/jpeg.
local bodies = {}
for path in string.gmatch(os.getenv("PHOTOS"), "%S+") do
	local f = assert(io.open(path, "rb"))
	bodies[#bodies + 1] = f:read("*a")
	f:close()
end
local i = 0
request = function()
	i = i % #bodies + 1
	return wrk.format("POST", "/v1/segment",
	    { ["Content-Type"] = "image/jpeg" }, bodies[i])
end
done = function(summary, latency, requests)
	io.write(string.format("RESULT %d %.3f %d %d %.1f %.1f\n",
	    summary.requests, summary.duration / 1e6,
	    summary.errors.status + summary.errors.connect + summary.errors.read +
	    summary.errors.write + summary.errors.timeout, 0,
	    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
