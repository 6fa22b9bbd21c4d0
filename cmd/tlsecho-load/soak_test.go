package main

import "testing"

// TestSoakRSSGrowth: the soak fails on RSS that grows beyond soakDrift
// over the window, at its middle or its end, and not on RSS that falls
// (memory the runtime gave back), however far.
func TestSoakRSSGrowth(t *testing.T) {
	t.Parallel()
	const mib = 1 << 20
	for _, tc := range []struct {
		name               string
		start, middle, end int64
		pass               bool
	}{
		{"flat", 100 * mib, 101 * mib, 99 * mib, true},
		{"fell 17%", 116 * mib, 107 * mib, 96 * mib, true},
		{"grew 9%", 100 * mib, 104 * mib, 109 * mib, true},
		{"grew 11% at the end", 100 * mib, 104 * mib, 111 * mib, false},
		{"grew 12% in the middle", 100 * mib, 112 * mib, 100 * mib, false},
	} {
		r := &result{
			start:  serverSample{ok: true, rss: tc.start},
			middle: serverSample{ok: true, rss: tc.middle},
			end:    serverSample{ok: true, rss: tc.end},
		}
		if pass := r.rssGrowth() <= soakDrift; pass != tc.pass {
			t.Errorf("%s: growth %.3f, passes %v, want %v", tc.name, r.rssGrowth(), pass, tc.pass)
		}
	}
}
