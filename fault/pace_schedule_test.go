package fault

import (
	"testing"
	"time"
)

// TestPacerKeepsSchedule: a write that finds the pacer behind its
// schedule by less than a piece's time goes on the schedule, not from
// now: a piece shorter than the wait a timer can keep (a frag:100
// record at 1 MiB/s is due every 120 µs, and a sleep that short lasts a
// millisecond on an idle Linux process) used to lose each sleep's
// lateness, and bw:1MiB,frag:100 echoed at under a tenth of its rate.
// After a pause longer than a piece's time there is no credit: the
// write waits its own time from now.
func TestPacerKeepsSchedule(t *testing.T) {
	t.Parallel()
	const rate = 1 << 20
	k := 30 << 10 // 29 ms at the rate, within one piece (51 KiB)
	own := time.Duration(k) * time.Second / rate
	for _, tc := range []struct {
		name   string
		behind time.Duration
		credit bool
	}{
		{"behind by less than a piece", 40 * time.Millisecond, true},
		// Two pieces' time: lateness past a piece is a pause.
		{"behind by more than a piece", 100 * time.Millisecond, false},
		{"after a pause", 2 * time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := NewPacer(rate)
			start := time.Now()
			last := start.Add(-tc.behind)
			p.next = last
			if _, err := p.Write(nopConn{}, make([]byte, k)); err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.credit && !p.next.Equal(last.Add(own)):
				t.Errorf("next piece due %v after the write began, want %v: on the schedule, %v after the last piece",
					p.next.Sub(start), last.Add(own).Sub(start), own)
			case !tc.credit && p.next.Before(start.Add(own)):
				t.Errorf("next piece due %v after the write began, want %v at least: no credit after a pause", p.next.Sub(start), own)
			}
		})
	}
}
