package ws

import (
	"math"
	"testing"
)

// TestMaxMessageCeiling: the largest TLSECHO_MAX_MESSAGE_BYTES takes, as
// no limit in practice, and every allowance added to it stays positive.
// Overflowed, the wire limit with compression went negative (gorilla then
// checks nothing, the frame watch a wrapped number) and the close's
// discard, given a negative count, read nothing.
func TestMaxMessageCeiling(t *testing.T) {
	for _, max := range []int64{math.MaxInt64, math.MaxInt64 - 1<<10, MaxMessageCeiling + 1} {
		for _, compression := range []bool{false, true} {
			s := &Server{MaxMessageBytes: max, Compression: compression}
			if got := s.MessageLimit(); got != MaxMessageCeiling {
				t.Errorf("MaxMessageBytes %d: limit %d, want the ceiling %d", max, got, int64(MaxMessageCeiling))
			}
			if w := s.wireLimit(); w < s.MessageLimit() {
				t.Errorf("MaxMessageBytes %d, compression %v: wire limit %d, below the limit", max, compression, w)
			}
			if d := s.MessageLimit() + discardAllowance; d < s.MessageLimit() {
				t.Errorf("MaxMessageBytes %d: a close discards %d", max, d)
			}
		}
	}
	if got := (&Server{MaxMessageBytes: 5}).MessageLimit(); got != 5 {
		t.Errorf("MaxMessageBytes 5: limit %d", got)
	}
}
