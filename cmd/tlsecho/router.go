package main

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// newRouter is the router of every HTTP listener, the page's and the
// admin one alike, so they answer alike: a panic becomes one error record
// of log and a 500 (recoverPanics); HEAD is served wherever GET is, as
// load balancers and uptime checkers probe with it; a path that is routed
// answers another method 405, with an Allow header that names HEAD beside
// GET; any other path is 404 whatever the method, answered by notFound
// (http.NotFound when nil). secure, when not nil, sets the headers every
// answer of the listener carries: it runs before any handler, so the
// router's own 404s and 405s, a panic's 500 and a handler's error answers
// carry them too, and a handler may set its own over them. A request with
// a chunked body, and any HTTP/1.0 request, is the last of its connection
// (closeAfterUnsureFraming); OPTIONS * and CONNECT are answered by otherTargets,
// once the server is built with DisableGeneralOptionsHandler; a Host that is
// no host[:port] gets 400 (checkHostField).
func newRouter(log *slog.Logger, notFound http.HandlerFunc, secure func(http.Header)) chi.Router {
	r := chi.NewRouter()
	r.Use(closeAfterUnsureFraming)
	if secure != nil {
		r.Use(func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				secure(w.Header())
				next.ServeHTTP(w, req)
			})
		})
	}
	r.Use(otherTargets)
	r.Use(checkHostField)
	r.Use(recoverPanics(log))
	r.Use(middleware.GetHead)
	if notFound == nil {
		notFound = http.NotFound
	}
	r.NotFound(notFound)
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		allow := allowedMethods(req)
		if len(allow) == 0 {
			// chi answers a method it does not know (PROPFIND, or the
			// PRI of an HTTP/2 preface sent to an HTTP/1 server) as not
			// allowed before it looks at the path; a path that takes no
			// method is one the listener does not serve.
			notFound(w, req)
			return
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	})
	return r
}

// allowable are the methods an Allow header may name, in the order it
// names them.
var allowable = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions,
}

// allowedMethods are the methods the request's path takes, for the Allow
// header of a 405. chi's own answer names only the methods routed, so GET
// without the HEAD that GetHead serves for it (RFC 9110 section 15.5.6:
// Allow lists the methods the resource supports).
func allowedMethods(r *http.Request) []string {
	rctx := chi.RouteContext(r.Context())
	path := rctx.RoutePath
	if path == "" {
		path = r.URL.EscapedPath()
	}
	var allow []string
	for _, m := range allowable {
		ok := rctx.Routes.Match(chi.NewRouteContext(), m, path)
		if m == http.MethodHead {
			ok = ok || slices.Contains(allow, http.MethodGet)
		}
		if ok {
			allow = append(allow, m)
		}
	}
	return allow
}
