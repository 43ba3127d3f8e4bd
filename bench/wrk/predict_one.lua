-- One row per request, for a device picked uniformly at random among DEVICES (ids 0 .. DEVICES-1).
local devices = tonumber(os.getenv("DEVICES") or "100000")

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed or os.time())
end

request = function()
  local body = string.format('{"rows":[{"device_id":"%d","feature_1":%.4f,"feature_2":%.4f,"feature_3":%.4f}]}',
    math.random(0, devices - 1), math.random(), math.random(), math.random())
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
