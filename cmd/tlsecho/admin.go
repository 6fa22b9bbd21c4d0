package main

import (
	"io"
	"log/slog"
	"net/http"
	"slices"
	"time"
)

// newAdmin builds the admin listener's server (TLSECHO_ADMIN_ADDR):
// plain HTTP for probes, scrapes and faults. Nothing on it streams, so it
// keeps tighter bounds of its own (headers in 5 s, the whole request in
// 10 s, an answer in 30 s after that, an idle minute), but never longer than the
// settings every other listener keeps: an operator who lowers
// TLSECHO_HANDSHAKE_TIMEOUT or TLSECHO_IDLE_TIMEOUT to shed slow or
// silent clients sheds them here too, where they would otherwise hold the
// slots the health checks need.
//
// net/http counts WriteTimeout from the end of a request's headers, and
// the body may take up to ReadTimeout of it: the answer gets its own time
// after that, or a body that came in time after a pause (longer than
// TLSECHO_IDLE_TIMEOUT, when that is below TLSECHO_HANDSHAKE_TIMEOUT)
// would be read and its answer dropped.
func (a *app) newAdmin() *http.Server {
	readTimeout := min(10*time.Second, a.cfg.HandshakeTimeout)
	// The listener is bound after the server is built: its count is
	// looked up when a connection comes.
	room := newAdminRoom(func() int { return a.adminLn.Active() }, a.cfg.MaxConns)
	return &http.Server{
		ConnState:         room.ConnState,
		Handler:           a.adminHandler(),
		ReadHeaderTimeout: min(5*time.Second, a.cfg.HandshakeTimeout),
		ReadTimeout:       readTimeout,
		WriteTimeout:      readTimeout + min(30*time.Second, a.cfg.IdleTimeout),
		IdleTimeout:       min(time.Minute, a.cfg.IdleTimeout),
		MaxHeaderBytes:    maxHeaderBytes,
		// OPTIONS * goes through the router (otherTargets).
		DisableGeneralOptionsHandler: true,
		ErrorLog:                     slog.NewLogLogger(a.log.With("listener", "admin").Handler(), slog.LevelDebug),
	}
}

// adminHandler serves the admin listener. A browser is served
// only by the server's own names (refuseRebinding), on every path.
func (a *app) adminHandler() http.Handler {
	log := a.log.With("listener", "admin")
	r := newRouter(log, nil, nil)
	r.Use(func(next http.Handler) http.Handler { return refuseRebinding(log, a.ownNames, next) })
	r.Get("/healthz", healthz)
	r.Method(http.MethodGet, "/metrics", a.metrics.handler())
	r.Get("/readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		// As /healthz: a cache between the prober and the server must not
		// answer "ready" for a server that has started to drain.
		w.Header().Set("Cache-Control", "no-store")
		if !a.ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "not ready\n")
			return
		}
		io.WriteString(w, "ready\n")
	})
	r.Method(http.MethodGet, "/hellos", &a.hellos)
	// Routed by method, not for all: a 405's Allow names what the path
	// takes, also for a method chi does not know (PROPFIND), which it
	// answers before looking at the path.
	faults := a.faults.Handler()
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodDelete} {
		r.Method(m, "/faults", faults)
	}
	return r
}

// ownNames are the names the server answers to: TLSECHO_HOSTS, also
// beside certificate files (where it names nothing else), and the DNS
// names of the certificate served now.
func (a *app) ownNames() []string {
	return append(slices.Clip(a.cfg.Hosts), a.src.Leaf().DNSNames...)
}
