--[[
adjust-seats-left: move a concert's count of AVAILABLE seats by a delta, as the booking API holds,
releases and sells seats. A count that was never set stays unset: an absent key means "not known to
be sold out", and a lone DECRBY on it would read as sold out.

KEYS[1] seatsLeft  STRING  AVAILABLE seats of every date of the concert
ARGV[1] delta (an integer; negative when seats are held or sold)

Returns the new count, or false (nil) when the count was never set.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('INCRBY', KEYS[1], ARGV[1])
