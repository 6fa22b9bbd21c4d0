package certs

import (
	"context"
	"log/slog"
	"time"
)

// WatchClientCAExpiry warns, at the moment it happens, when a certificate
// of the client CA file expires while the server runs, until ctx ends.
// The warning at start and at a reload ([Source.WarnClientCADates]) covers
// a CA that had expired already; one that expires on a running server
// would otherwise refuse every client it issued from that second on, each
// refusal reading "certificate has expired" as if the client's had, with
// nothing in the log about the server's own file. A CA renewed in the
// same file (same name and key, in date) is not warned of, as at start.
// It returns at once when client certificates are not required.
func (s *Source) WatchClientCAExpiry(ctx context.Context, log *slog.Logger) {
	if s.ca.file == "" {
		return
	}
	for {
		p := s.ca.cur.Load()
		now := time.Now()
		var next time.Time
		for _, c := range p.cas {
			if !c.NotAfter.Before(now) && (next.IsZero() || c.NotAfter.Before(next)) {
				next = c.NotAfter
			}
		}
		var fire <-chan time.Time
		var t *time.Timer
		if !next.IsZero() {
			t = time.NewTimer(expiryWait(next, now))
			fire = t.C
		}
		select {
		case <-ctx.Done():
		case <-s.ca.swapped:
			// A reload warns of what it loaded; the new file's dates are
			// watched from here.
		case at := <-fire:
			if s.ca.cur.Load() == p {
				warnExpiredSince(log, s.ca.file, p, now, at)
			}
		}
		if t != nil {
			t.Stop()
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// warnExpiredSince warns of each CA of p that expired after since and by
// now, as [Source.WarnClientCADates] words it.
func warnExpiredSince(log *slog.Logger, file string, p *caPool, since, now time.Time) {
	for _, c := range p.cas {
		if !c.NotAfter.Before(since) && now.After(c.NotAfter) && !renewedIn(c, p.cas, now) {
			warnCA(log, file, c, "has expired")
		}
	}
}

// maxExpiryWait bounds one wait of [Source.WatchClientCAExpiry]: a CA
// valid until 9999 (RFC 5280's "no well-defined expiration date") lies
// further ahead than a time.Duration reaches, and a timer, which runs on
// the monotonic clock, does not see the wall clock stepped or the
// machine suspended, where NotAfter is wall time. After each wait the
// dates are looked at again.
const maxExpiryWait = time.Hour

// expiryWait is how long to wait from now to look at the dates again:
// just past next, the earliest NotAfter to come, or maxExpiryWait if
// sooner. A certificate is valid through its NotAfter second (x509
// refuses only once now is after it), so the look comes a second later.
// next.Sub saturates at the largest duration, to which a second more
// would wrap round to a negative wait, a timer firing at once forever.
func expiryWait(next, now time.Time) time.Duration {
	return min(next.Sub(now), maxExpiryWait) + time.Second
}
