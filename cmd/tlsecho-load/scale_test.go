package main

import (
	"errors"
	"strings"
	"testing"
)

// TestScaleVerdicts: a scale run exists for its memory figure, so one that
// could not measure it fails and says why, and its totals are written with
// separators, as the rest of the report writes them.
func TestScaleVerdicts(t *testing.T) {
	held := func(before, held int64) *result {
		return &result{
			connected: 15000, alive: 15000, messages: 75000,
			before: serverSample{ok: true, rss: before, fds: 10, goroutines: 10},
			held:   serverSample{ok: true, rss: held},
			after:  serverSample{ok: true, rss: held, fds: 10, goroutines: 10},
		}
	}
	unread := held(20<<20, -1)
	unread.held = serverSample{ok: false, rss: -1, err: errors.New("no such process")}
	ended := held(20<<20, -1)
	ended.held, ended.alive = serverSample{}, -1
	none := held(20<<20, 20<<20)
	none.connected, none.alive = 0, 0
	unreported := held(20<<20, -1)
	dropped := held(20<<20, 260<<20)
	dropped.alive = 14990
	tests := []struct {
		name string
		res  *result
		ok   bool
		want string
	}{
		{"measured", held(20<<20, 260<<20), true, "16.4 KiB per connection, about 64,000 connections per GiB"},
		{"memory not read", unread, false, "not measured: the server's memory with every connection held was not read (no such process)"},
		{"clients ended first", ended, false, "not measured: every client had ended before the server's memory could be read with all connections held"},
		{"nothing held", none, false, "not measured: no connection was held"},
		{"rss not reported", unreported, false, "not measured: the server's memory with every connection held was not read (the server did not report its RSS)"},
		{"rss fell", held(300<<20, 260<<20), false, "not measured: the RSS did not grow (300.0 MiB before, 260.0 MiB held)"},
		{"connections dropped", dropped, false, "not measured: 10 of the 15,000 connections counted as held failed their next echo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var memory *verdict
			var lines []string
			for _, v := range scaleVerdicts(tt.res, 15000) {
				lines = append(lines, v.what)
				if strings.Contains(v.what, "RSS") {
					memory = &v
				}
			}
			if memory == nil {
				t.Fatalf("no memory verdict among:\n%s", strings.Join(lines, "\n"))
			}
			if memory.ok != tt.ok || !strings.Contains(memory.what, tt.want) {
				t.Errorf("memory verdict ok=%v %q; want ok=%v containing %q", memory.ok, memory.what, tt.ok, tt.want)
			}
			if all := strings.Join(lines, "\n"); tt.res.connected == 15000 && !strings.Contains(all, "15,000 of 15,000 connections held") || !strings.Contains(all, "75,000 echoes") {
				t.Errorf("totals without separators:\n%s", all)
			}
		})
	}
}

// TestBackToBaseline: the verdict that nothing leaked fails on a
// goroutine or a descriptor more than before the load, on a sample not
// read, and on figures the server did not give, which it would
// otherwise pass as "? goroutines (? before)".
func TestBackToBaseline(t *testing.T) {
	s := func(goroutines, fds int) serverSample {
		return serverSample{ok: true, goroutines: goroutines, fds: fds, rss: 20 << 20}
	}
	for _, tt := range []struct {
		name          string
		before, after serverSample
		ok            bool
	}{
		{"back", s(17, 14), s(17, 14), true},
		{"fewer", s(17, 14), s(16, 13), true},
		{"a goroutine more", s(17, 14), s(18, 14), false},
		{"a descriptor more", s(17, 14), s(17, 15), false},
		{"after not read", s(17, 14), serverSample{goroutines: -1, fds: -1, rss: -1, err: errors.New("gone")}, false},
		{"goroutines unknown", s(-1, 14), s(-1, 14), false},
		{"descriptors unknown", s(17, -1), s(17, -1), false},
	} {
		if v := backToBaseline(&result{o: &options{}, before: tt.before, after: tt.after}); v.ok != tt.ok {
			t.Errorf("%s: ok %v, want %v: %s", tt.name, v.ok, tt.ok, v.what)
		}
	}
}
