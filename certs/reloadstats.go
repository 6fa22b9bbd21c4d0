package certs

import (
	"sync"
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
// under reloadMu, ReloadStats reads it at any time. Its fields change
// together under mu: a reader must never see a reload counted as failed
// and not yet LastFailed, or the reverse (an alert joining the two
// series would fire on a state that never was).
type reloadCounts struct {
	mu sync.Mutex
	s  ReloadStats
}

// loadedNow records the load at the start: neither OK nor Failed.
func (r *reloadCounts) loadedNow() {
	r.mu.Lock()
	r.s.Loaded = time.Now()
	r.mu.Unlock()
}

// note records the outcome of a reload.
func (r *reloadCounts) note(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.s.Failed++
		r.s.LastFailed = true
		return
	}
	r.s.OK++
	r.s.LastFailed = false
	r.s.Loaded = time.Now()
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

// stats reads r, all of it at one instant.
func (r *reloadCounts) stats() ReloadStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.s
}
