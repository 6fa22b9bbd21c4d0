package listener

import "testing"

// TestPace: busy after BusyAfter quick inputs in a row, not before; one
// slow gap or Quiet starts the count again.
func TestPace(t *testing.T) {
	var p Pace
	quick, slow := int64(QuickGap)-1, int64(QuickGap)
	for i := 1; i < BusyAfter; i++ {
		if p.Note(quick) {
			t.Fatalf("busy after %d quick inputs, want %d", i, BusyAfter)
		}
	}
	if !p.Note(quick) {
		t.Fatalf("not busy after %d quick inputs", BusyAfter)
	}
	if !p.Note(quick) || !p.Busy() {
		t.Fatalf("not busy after %d quick inputs", BusyAfter+1)
	}
	if p.Note(slow) {
		t.Fatal("still busy after a gap of QuickGap")
	}
	for range BusyAfter {
		p.Note(quick)
	}
	p.Quiet()
	if p.Busy() {
		t.Fatal("busy after Quiet")
	}
}
