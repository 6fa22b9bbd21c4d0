package main

import (
	"time"
)

// delayDrain turns /readyz to 503 and keeps every listener accepting for
// TLSECHO_DRAIN_DELAY. A load balancer or an orchestrator probing /readyz
// takes this copy out of rotation during the delay; until it has, it still
// sends new connections here, and refusing them would fail clients that a
// peer could have served. A listener failing ends the delay early.
func (a *app) delayDrain(errc <-chan error) error {
	a.ready.Store(false)
	if a.cfg.DrainDelay <= 0 {
		return nil
	}
	a.log.Info("not ready; serving new connections until the drain", "drain_delay", a.cfg.DrainDelay)
	t := time.NewTimer(a.cfg.DrainDelay)
	defer t.Stop()
	select {
	case <-t.C:
		a.log.Info("drain delay over; closing the listeners")
		return nil
	case err := <-errc:
		a.log.Error("listener failed during the drain delay; shutting down", "err", err)
		return err
	}
}
