package main

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// exitMargin is the end of TLSECHO_SHUTDOWN_TIMEOUT kept back from the
// drain, so that the process has exited, not just stopped draining, by
// the time an orchestrator's own deadline passes.
func exitMargin(timeout time.Duration) time.Duration {
	return min(timeout/10, time.Second)
}

// shutdown drains every listener at once, to be done by deadline less
// exitMargin.
func (a *app) shutdown(deadline time.Time) {
	a.ready.Store(false)
	ctx, cancel := context.WithDeadline(context.Background(), deadline.Add(-exitMargin(a.cfg.ShutdownTimeout)))
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
	// Idle page connections are closed all at once (conns.Drain): net/http
	// closes them one after another, each taking up to
	// listener.LingerWait with a client that has stopped reading. New ones
	// that have not sent a request yet are closed as Shutdown begins
	// (conns.CloseNew): net/http would serve nothing they send, and would
	// wait up to 5 s for each.
	drainHTTP := func(name string, s *http.Server, conns *listener.HTTPConns, ln *listener.Listener) {
		// Shutdown waits for Serve to return before it looks at ctx, and
		// Serve for ln's Accept to fail, which a handshake in flight holds
		// for the listener's grace (a second): past a shorter timeout, the
		// grace ends with ctx, as rawtls.Server.Shutdown ends its own.
		// Armed once Shutdown has closed ln (its OnShutdown functions run
		// then): an EndGrace before the close finds no grace to end, and
		// a ctx ended by then would call it at once.
		s.RegisterOnShutdown(func() { context.AfterFunc(ctx, ln.EndGrace) })
		conns.Drain()
		s.RegisterOnShutdown(conns.CloseNew)
		if err := s.Shutdown(ctx); err != nil {
			report(name, "http", err)
			s.Close()
		}
		conns.Wait()
	}
	wg.Go(func() { report("tls", "rawtls", a.raw.Shutdown(ctx)) })
	wg.Go(func() { report("https", "websocket", a.ws.Shutdown(ctx)) })
	wg.Go(func() { drainHTTP("https", a.https, a.httpsConns, a.httpsLn) })
	if a.plain != nil {
		wg.Go(func() { report("http", "websocket", a.plainWS.Shutdown(ctx)) })
		wg.Go(func() { drainHTTP("http", a.plain, a.plainConns, a.plainLn) })
	}
	wg.Wait()
	if a.admin != nil {
		actx, acancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		if a.admin.Shutdown(actx) != nil {
			a.admin.Close()
		}
		acancel()
	}
	// took counts from the signal, the drain delay in it, as whoever
	// sizes a grace period against it would count; drain is the drain.
	a.log.Info("stopped", "took", time.Since(deadline.Add(-a.cfg.ShutdownTimeout)).Round(time.Millisecond),
		"drain", time.Since(start).Round(time.Millisecond))
}
