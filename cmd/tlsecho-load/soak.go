package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/tlsecho/tlsecho/internal/plural"
)

const soakUsage = `Starts tlsecho and runs -c connections against it for -d, half raw TLS and
half wss, with messages of mixed sizes (log-uniform over -size, so as many
small as large) and a quarter of the wss messages text, every byte checked.
It reads the server's RSS every second through the window (from /proc)
and its goroutines (admin /metrics) at the window's start, middle and end,
and passes when there is no mismatch or error, the RSS level over the
window's last fifth (the median of its readings) is within 10% of the
level over its first fifth, and goroutines and descriptors return to where
they were before the load (read once a warm-up connection to each echo has
closed). Run it
from the tlsecho repository: go run ./cmd/tlsecho-load soak -d 10m`

// soakDrift is how far the server's RSS level may move from the
// window's first fifth to its last (see rssLevels): beyond it, something
// grows with time or traffic.
const soakDrift = 0.10

// levelsHold is the soak's verdict on memory: enough readings, every one
// of them read, and the level within soakDrift.
func levelsHold(l *rssLevels) bool {
	d, ok := l.drift()
	return ok && l.failed == 0 && abs(d) <= soakDrift
}

func soakCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := &ownFlags{conns: 1000, duration: 10 * time.Minute, size: "1-1MiB", text: 0.25}
	res, o, code := runOwn(ctx, "soak", soakUsage, f, args, stdout, stderr, func(o *options) {
		// The window starts once the server has met every message size
		// on every connection for a while: its RSS at that point is the
		// reference. It settles slowly, since what a Go process holds
		// follows the most memory it has needed at once, and rare
		// coincidences of large messages keep raising that for minutes
		// (a 10-minute run with a 30-second warm-up grew 14% in its first
		// half and 0.6% in its second).
		o.warmup = o.duration / 5
	})
	if res == nil {
		return code
	}
	return report(stdout, "soak", soakVerdicts(res, o))
}

// soakVerdicts judges a soak run: every echo right, echoes in the
// window (a window without any, as a small -n gives, says nothing about
// a server under load), the RSS level, the goroutines read through the
// window and everything back to the baseline.
func soakVerdicts(res *result, o *options) []verdict {
	secs := res.window.elapsed.Seconds()
	return []verdict{
		{res.errors == 0 && res.mismatches == 0 && res.messages > 0,
			fmt.Sprintf("%s, %s echoes of %s (%.1f GB each way) in %v, %s, %s",
				plural.Count(res.dials, "connection", "connections"), count(float64(res.messages)), o.sizes, float64(res.bytes)/1e9, res.elapsed.Round(time.Second),
				plural.Count(res.mismatches, "mismatch", "mismatches"), plural.Count(res.errors, "error", "errors"))},
		{res.window.messages > 0, fmt.Sprintf("%s echoes/s, %.1f MB/s each way over the %v window",
			count(float64(res.window.messages)/max(secs, 1e-3)), float64(res.window.nbytes)/max(secs, 1e-3)/1e6, res.window.elapsed.Round(time.Second))},
		{levelsHold(res.levels), "server " + res.levels.describe(soakDrift)},
		{res.start.ok && res.end.ok, fmt.Sprintf("server goroutines %s / %s / %s at start / middle / end", gor(res.start), gor(res.middle), gor(res.end))},
		backToBaseline(res),
	}
}
