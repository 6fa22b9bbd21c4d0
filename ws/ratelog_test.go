package ws

import (
	"testing"
	"time"
)

// TestRateLogWindow holds the clock still while records come, so the
// counts are exact on any machine, and lets the real timer deliver the
// summary: the records held back are counted in it, and the next window
// lets records through again.
func TestRateLogWindow(t *testing.T) {
	t.Parallel()
	start := time.Now()
	clock := start
	l := &rateLog{every: 100 * time.Millisecond, burst: 2, now: func() time.Time { return clock }}
	summaries := make(chan int, 10)
	summary := func(held int) { summaries <- held }
	const calls = 10
	allowed := 0
	for range calls {
		if l.allow(summary) {
			allowed++
		}
	}
	if allowed != 2 {
		t.Fatalf("%d of %d records allowed in one window, want the burst of 2", allowed, calls)
	}
	select {
	case n := <-summaries:
		if n != calls-2 {
			t.Errorf("summary counts %d records, want %d", n, calls-2)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no summary within 5s of a 100ms window")
	}
	select {
	case n := <-summaries:
		t.Errorf("a second summary, of %d", n)
	default:
	}
	clock = start.Add(100 * time.Millisecond)
	if !l.allow(summary) {
		t.Error("a record in the next window was held back")
	}
}
