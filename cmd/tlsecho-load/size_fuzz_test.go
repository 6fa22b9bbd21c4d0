package main

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzSizeRange: -size takes N or N-M with a B, KiB or MiB suffix. What
// it takes reads back from its own display (with the spaces dropped) to
// the same range, lies from 1 B to 64 MiB, and for a bare number is
// strconv.Atoi's; what it refuses is named whole in the error.
func FuzzSizeRange(f *testing.F) {
	for _, s := range []string{"64", "4KiB", "1-1MiB", "1-64KiB", "64MiB", "65MiB", "0", "2-1", "1-", "-1", "4 KiB",
		"1B", "1KiB-1", "+5", "1_000", "0x10", "1--2", "9223372036854775807KiB", "B", "1kib", "1-x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseSizeRange(s)
		if err != nil {
			if msg := err.Error(); !strings.Contains(msg, strconv.Quote(s)) {
				t.Fatalf("error %q does not quote -size %q", msg, s)
			}
			return
		}
		if r.min < 1 || r.max < r.min || r.max > 64<<20 {
			t.Fatalf("-size %q gives %d to %d bytes", s, r.min, r.max)
		}
		shown := strings.ReplaceAll(r.String(), " ", "")
		if again, err := parseSizeRange(shown); err != nil || again != r {
			t.Fatalf("-size %q gives %v, shown as %q, which reads as %v (%v)", s, r, shown, again, err)
		}
		if n, err := strconv.Atoi(s); err == nil && (r.min != n || r.max != n) {
			t.Fatalf("-size %q gives %v", s, r)
		}
	})
}
