package certs

import (
	"sync/atomic"
	"time"
)

// ReloadStats are the outcomes of a Source's reloads of its certificate
// pair (not of its client CA file), for metrics: an alert on "the new
// certificate did not load" reads LastFailed or Failed, one on "it has
// not been renewed" reads Loaded.
type ReloadStats struct {
	// OK counts the reloads that loaded the files' pair, the same
	// certificate again included; Failed those refused, the old pair
	// still serving. The load at the start is neither.
	OK, Failed int64
	// LastFailed is set when the last reload was refused, until one
	// works.
	LastFailed bool
	// Loaded is when the pair served was last loaded: at the start, or
	// by the last reload that worked.
	Loaded time.Time
}

// reloadCounts holds a Source's ReloadStats; reloads write it under
// reloadMu, ReloadStats reads it at any time.
type reloadCounts struct {
	ok, failed atomic.Int64
	lastFailed atomic.Bool
	loaded     atomic.Int64 // Unix nanoseconds
}

// note records the outcome of a reload of the pair.
func (r *reloadCounts) note(err error) {
	if err != nil {
		r.failed.Add(1)
		r.lastFailed.Store(true)
		return
	}
	r.ok.Add(1)
	r.lastFailed.Store(false)
	r.loaded.Store(time.Now().UnixNano())
}

// ReloadStats returns the outcomes of the reloads so far. It is safe to
// call at any time, from any goroutine.
func (s *Source) ReloadStats() ReloadStats {
	return ReloadStats{
		OK:         s.reloads.ok.Load(),
		Failed:     s.reloads.failed.Load(),
		LastFailed: s.reloads.lastFailed.Load(),
		Loaded:     time.Unix(0, s.reloads.loaded.Load()),
	}
}
