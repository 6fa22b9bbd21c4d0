package certs

import (
	"sync/atomic"
	"time"
)

// ReloadStats are the outcomes of a Source's reloads of one kind of file,
// its certificate pair ([Source.ReloadStats]) or its client CA file
// ([Source.ClientCAReloadStats]), for metrics: an alert on "the new file
// did not load" reads LastFailed or Failed. Loaded moves with every
// reload that works, the same certificate loaded again included, so "it
// has not been renewed" is read from the certificate's NotAfter instead.
type ReloadStats struct {
	// OK counts the reloads that loaded the files, the same
	// certificates again included; Failed those refused, the old pair
	// or CA pool still in use. The load at the start is neither.
	OK, Failed int64
	// LastFailed is set when the last reload was refused, until one
	// works.
	LastFailed bool
	// Loaded is when the pair served, or the CA pool verified against,
	// was last loaded: at the start, or by the last reload that worked.
	Loaded time.Time
}

// reloadCounts holds one of a Source's ReloadStats; reloads write it
// under reloadMu, ReloadStats reads it at any time.
type reloadCounts struct {
	ok, failed atomic.Int64
	lastFailed atomic.Bool
	loaded     atomic.Int64 // Unix nanoseconds
}

// note records the outcome of a reload.
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

// ReloadStats returns the outcomes of the certificate pair's reloads so
// far. It is safe to call at any time, from any goroutine.
func (s *Source) ReloadStats() ReloadStats { return s.reloads.stats() }

// ClientCAReloadStats returns the outcomes of the client CA file's
// reloads so far ([Source.RequireClientCerts]); all zero without one. A
// CA file that no longer loads keeps the previous CAs in use, so clients
// issued by a CA added to it are refused until it is fixed: this is what
// an operator alerts on. It is safe to call at any time, from any
// goroutine.
func (s *Source) ClientCAReloadStats() ReloadStats { return s.caReloads.stats() }

// stats reads r.
func (r *reloadCounts) stats() ReloadStats {
	return ReloadStats{
		OK:         r.ok.Load(),
		Failed:     r.failed.Load(),
		LastFailed: r.lastFailed.Load(),
		Loaded:     time.Unix(0, r.loaded.Load()),
	}
}
