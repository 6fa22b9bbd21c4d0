package main

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"
)

// shutdown drains every listener at once, to be done by deadline less a
// margin, so the process exits before an orchestrator's own deadline.
func (a *app) shutdown(deadline time.Time) {
	a.ready.Store(false)
	timeout := a.cfg.ShutdownTimeout
	ctx, cancel := context.WithDeadline(context.Background(), deadline.Add(-min(timeout/10, time.Second)))
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	// server tells the WebSocket drain of a page listener from the
	// drain of its HTTP requests.
	report := func(name, server string, err error) {
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Warn("drain cut short", "listener", name, "server", server, "err", err)
		}
	}
	drainHTTP := func(name string, s *http.Server) {
		if err := s.Shutdown(ctx); err != nil {
			report(name, "http", err)
			s.Close()
		}
	}
	wg.Go(func() { report("tls", "rawtls", a.raw.Shutdown(ctx)) })
	wg.Go(func() { report("https", "websocket", a.ws.Shutdown(ctx)) })
	wg.Go(func() { drainHTTP("https", a.https) })
	if a.plain != nil {
		wg.Go(func() { report("http", "websocket", a.plainWS.Shutdown(ctx)) })
		wg.Go(func() { drainHTTP("http", a.plain) })
	}
	wg.Wait()
	if a.admin != nil {
		actx, acancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		if a.admin.Shutdown(actx) != nil {
			a.admin.Close()
		}
		acancel()
	}
	a.log.Info("stopped", "took", time.Since(start).Round(time.Millisecond))
}
