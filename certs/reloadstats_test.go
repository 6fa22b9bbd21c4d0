package certs

import (
	"errors"
	"sync"
	"testing"
)

// TestReloadStatsOneInstant: ReloadStats read while reloads go on shows
// the counts and LastFailed of one instant. With reloads alternating
// failed and ok, the last one failed exactly when more failed than
// worked; reading the fields one by one could see a failed reload in
// LastFailed and not yet in Failed.
func TestReloadStatsOneInstant(t *testing.T) {
	t.Parallel()
	var r reloadCounts
	refused := errors.New("refused")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			r.note(refused)
			r.note(nil)
		}
	})
	defer wg.Wait()
	defer close(stop)
	for range 200_000 {
		s := r.stats()
		if s.LastFailed != (s.Failed > s.OK) {
			t.Fatalf("read %+v: LastFailed and the counts of different instants", s)
		}
	}
}
