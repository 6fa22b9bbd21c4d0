package fault

import (
	"testing"
	"time"
)

// TestWhenCountsFromOpened: @D counts from when the connection was
// accepted (ConnInfo.Opened), not from when its echo began: hsdelay and
// a slow handshake or upgrade come out of D, as the README says.
func TestWhenCountsFromOpened(t *testing.T) {
	t.Parallel()
	fired := make(chan string, 1)
	in, err := New(Options{Applied: func(verb string) { fired <- verb }})
	if err != nil {
		t.Fatal(err)
	}
	spec, err := Parse("close@60s")
	if err != nil {
		t.Fatal(err)
	}
	opened := time.Now().Add(-59 * time.Second)
	s := in.Start(spec, ConnInfo{Opened: opened}, Target{Close: func(int, string) {}})
	defer s.Stop()
	select {
	case <-fired:
	case <-time.After(20 * time.Second):
		t.Fatalf("close@60s has not acted %v after the connection opened", time.Since(opened).Round(time.Second))
	}
}

// TestNoPongNotCountedOnStream: nopong means nothing on the raw port
// (no pings there), so a default spec's nopong is neither logged nor
// counted on a raw connection.
func TestNoPongNotCountedOnStream(t *testing.T) {
	t.Parallel()
	var applied []string
	in, err := New(Options{Applied: func(verb string) { applied = append(applied, verb) }})
	if err != nil {
		t.Fatal(err)
	}
	spec, err := Parse("nopong,frag:1")
	if err != nil {
		t.Fatal(err)
	}
	s := in.Start(spec, ConnInfo{Opened: time.Now()}, Target{Stream: true})
	defer s.Stop()
	if len(applied) != 1 || applied[0] != "frag" {
		t.Errorf("applied %q on a raw connection, want only frag", applied)
	}
	if s.NoPong() {
		t.Error("NoPong is set on a raw connection")
	}
}

// TestDelayJitterVaries: delay:D~J holds each echo D plus a uniform random
// 0..J, so holds differ from one echo to the next and stay within D..D+J.
func TestDelayJitterVaries(t *testing.T) {
	t.Parallel()
	in, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	spec, err := Parse("delay:1ms~1s")
	if err != nil {
		t.Fatal(err)
	}
	s := in.Start(spec, ConnInfo{Opened: time.Now()}, Target{})
	defer s.Stop()
	seen := map[time.Duration]bool{}
	for range 50 {
		d := s.hold()
		if d < time.Millisecond || d > time.Millisecond+time.Second {
			t.Fatalf("hold %v, want 1ms to 1.001s", d)
		}
		seen[d] = true
	}
	if len(seen) < 2 {
		t.Errorf("50 holds were all %v: no jitter", s.hold())
	}
}
