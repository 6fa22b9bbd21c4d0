package ws

import (
	"testing"
	"time"
)

// TestRateLogWindow runs the real timer: the records held back are
// counted in a summary at the window's end, and the next window lets
// records through again.
func TestRateLogWindow(t *testing.T) {
	l := &rateLog{every: 100 * time.Millisecond, burst: 2}
	summaries := make(chan int, 10)
	summary := func(held int) { summaries <- held }
	const calls = 10
	allowed := 0
	for range calls {
		if l.allow(summary) {
			allowed++
		}
	}
	if allowed < 2 || allowed == calls {
		t.Fatalf("%d of %d records allowed, want at least the burst of 2 and not all", allowed, calls)
	}
	// Every record is either written or counted in a summary.
	counted := 0
	deadline := time.After(5 * time.Second)
	for allowed+counted < calls {
		select {
		case n := <-summaries:
			counted += n
		case <-deadline:
			t.Fatalf("summaries counted %d of the %d held back", counted, calls-allowed)
		}
	}
	if allowed+counted != calls {
		t.Fatalf("%d allowed + %d counted, want %d", allowed, counted, calls)
	}
	// The summary ran at the end of its window, so this starts a new one.
	if !l.allow(summary) {
		t.Error("a record after the summary was held back, want a fresh window")
	}
}
