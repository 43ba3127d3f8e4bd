-- Requests of ROWS rows over PER devices (ROWS / PER rows each), devices picked at random among DEVICES.
-- The bodies are made once per thread, so the client spends its time sending, not formatting.
local devices = tonumber(os.getenv("DEVICES") or "100000")
local rows = tonumber(os.getenv("ROWS") or "1000")
local per = tonumber(os.getenv("PER") or "100")
local bodies = {}
local n = 0

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed or os.time())
  for b = 1, 20 do
    local parts = {}
    for d = 1, per do
      local device = math.random(0, devices - 1)
      for r = 1, rows / per do
        parts[#parts + 1] = string.format('{"device_id":"%d","feature_1":%.4f,"feature_2":%.4f,"feature_3":%.4f}',
          device, math.random(), math.random(), math.random())
      end
    end
    bodies[b] = '{"rows":[' .. table.concat(parts, ",") .. ']}'
  end
end

request = function()
  n = n % #bodies + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[n])
end
