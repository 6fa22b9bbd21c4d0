package main

import (
	"io"
	"log/slog"
	"net/http"
	"time"
)

// newAdmin builds the admin listener's server (TLSECHO_ADMIN_ADDR):
// plain HTTP for probes, scrapes and faults, with fixed timeouts since
// nothing on it streams.
func (a *app) newAdmin() *http.Server {
	return &http.Server{
		Handler:           a.adminHandler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(a.log.With("listener", "admin").Handler(), slog.LevelDebug),
	}
}

// adminHandler serves the admin listener. /faults takes every method and
// answers 405 itself, naming the several it takes.
func (a *app) adminHandler() http.Handler {
	r := newRouter(a.log.With("listener", "admin"), nil, nil)
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
	r.Handle("/faults", a.faults.Handler())
	return r
}
