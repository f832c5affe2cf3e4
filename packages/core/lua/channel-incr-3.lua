--[[
  channel-incr: adds to a numeric channel value, keeping it msgpack-encoded like every other
  channel value (so `get` decodes one format, whatever wrote the key).

  KEYS[1] value     the channel entry
  KEYS[2] index     set of the run's channel keys (what `keys()` lists)
  KEYS[3] runKeys   set of the run's keys that follow the run's TTL (see run-touch)
  ARGV[1] by        the increment (an integer)
  ARGV[2] name      the entry's channel key, added to the index
  ARGV[3] ttlMs     "" to keep the entry's TTL, or a new TTL in ms
  ARGV[4] runTtl    seconds; an entry without a TTL of its own follows the run's

  Returns the new value.
  Errors: "NOT_A_NUMBER" when the entry holds something other than a number.
]]
local current = 0
local raw = redis.call('GET', KEYS[1])
if raw then
  local ok, decoded = pcall(cmsgpack.unpack, raw)
  if not ok or type(decoded) ~= 'number' then
    return redis.error_reply('NOT_A_NUMBER')
  end
  current = decoded
end
local value = current + tonumber(ARGV[1])
redis.call('SET', KEYS[1], cmsgpack.pack(value), 'KEEPTTL')
if ARGV[3] ~= '' then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('SREM', KEYS[3], KEYS[1])
elseif redis.call('SISMEMBER', KEYS[3], KEYS[1]) == 1 or redis.call('TTL', KEYS[1]) == -1 then
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  redis.call('SADD', KEYS[3], KEYS[1])
end
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return value
