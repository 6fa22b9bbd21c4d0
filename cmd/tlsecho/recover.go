package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
)

// recoverPanics turns a handler's panic into one error record of log, the
// stack inside it as an attribute, and a 500 for the client. It replaces
// chi's Recoverer, which prints the stack to stderr outside slog and so
// breaks a JSON log into lines no collector can parse.
//
// http.ErrAbortHandler is passed on: net/http takes it as "drop this
// response" and logs nothing. An upgraded request gets no 500, since its
// connection no longer speaks HTTP.
func recoverPanics(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				log.Error("handler panic",
					"method", r.Method,
					"path", r.URL.Path,
					"peer", r.RemoteAddr,
					"panic", fmt.Sprint(v),
					"stack", string(debug.Stack()))
				if r.Header.Get("Upgrade") == "" {
					http.Error(w, "internal server error", http.StatusInternalServerError)
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}
