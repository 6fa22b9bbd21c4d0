package main

import (
	"math"
	"testing"
)

// TestFaultMemory: the budget of the /ws echoes with faults is 64
// messages of TLSECHO_MAX_MESSAGE_BYTES, at least 64 MiB, and a limit
// near the largest does not wrap around to a budget that refuses all.
func TestFaultMemory(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ maxMessage, want int64 }{
		{1 << 20, 64 << 20},
		{1 << 10, 64 << 20},
		{4 << 20, 256 << 20},
		{1 << 62, math.MaxInt64},
	} {
		if got := faultMemory(tc.maxMessage); got != tc.want {
			t.Errorf("TLSECHO_MAX_MESSAGE_BYTES %d: budget %d, want %d", tc.maxMessage, got, tc.want)
		}
	}
}
