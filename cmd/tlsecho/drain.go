package main

import (
	"net/http"
	"time"
)

// delayDrain turns /readyz to 503 and keeps every listener accepting for
// TLSECHO_DRAIN_DELAY. A load balancer or an orchestrator probing /readyz
// takes this copy out of rotation during the delay; until it has, it still
// sends new connections here, and refusing them would fail clients that a
// peer could have served. A listener failing ends the delay early.
func (a *app) delayDrain(errc <-chan error) error {
	a.ready.Store(false)
	a.draining.Store(true)
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

// closeWhenDraining answers every request with Connection: close once
// the drain delay has begun, so the connection ends cleanly after its
// answer. A browser, or an ingress or proxy that ends TLS and keeps its
// connections to the backends open, would otherwise go on sending
// requests over a connection to this copy through the whole delay, never
// passing the balancer that has stopped choosing it, and have the drain
// close the connection under it at the end, racing with its next
// request; nginx and Envoy end keep-alive the same way when they drain.
// Idle connections are left open until the drain: closed now, they would
// race with a request just as well. A WebSocket upgrade writes its own
// answer and is not touched.
func (a *app) closeWhenDraining(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.draining.Load() {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}
