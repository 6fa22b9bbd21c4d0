package main

import "net/http"

// maxTargetBytes bounds a request's target on every HTTP listener, as
// nginx's 8 KiB buffers for a request line do: nothing served here needs
// more (a /ws fault spec holds 8 verbs at most), and a longer one is a
// mistake or a probe. A request line over maxHeaderBytes gets net/http's
// 431 before any handler runs.
const maxTargetBytes = 8 << 10

// otherTargets answers the requests whose target is not a path of this
// server (RFC 9112 section 3.2), before the router looks for one:
//
//   - The asterisk-form names the server itself (section 3.2.4): OPTIONS *
//     gets 200 with no body, as net/http's own handler gives it, and any
//     other method 400, since "*" is a target for OPTIONS only. The
//     servers turn net/http's handler off (DisableGeneralOptionsHandler)
//     so that OPTIONS * comes here: that handler runs before any other,
//     so its answer carried none of the listener's headers and kept the
//     connection of an HTTP/1.0 request with Transfer-Encoding
//     (closeAfterUnsureFraming).
//   - CONNECT asks for a tunnel (RFC 9110 section 9.3.6), which only a
//     proxy makes: 501, the answer to a method the server implements for
//     no resource (section 15.6.2), where the router gave a 404 for its
//     authority-form target ("host:port"), or a 405 for a path.
//   - HTTP/2's connection preface ("PRI * HTTP/2.0") from a client with
//     prior knowledge gets HTTP/2's own refusal (refuseHTTP2), not an
//     HTTP/1.1 answer it cannot read.
//   - A target longer than maxTargetBytes gets 414 (RFC 9112 section 3:
//     a server MUST answer so a target longer than it wishes to parse).
func otherTargets(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case len(r.RequestURI) > maxTargetBytes:
			http.Error(w, "414 URI Too Long: the request target is over 8 KiB", http.StatusRequestURITooLong)
		case isHTTP2Preface(r):
			refuseHTTP2(w)
		case r.Method == http.MethodConnect:
			http.Error(w, "501 Not Implemented: CONNECT: this server is not a proxy", http.StatusNotImplemented)
		case r.RequestURI != "*":
			next.ServeHTTP(w, r)
		case r.Method != http.MethodOptions:
			http.Error(w, "400 Bad Request: the * target is for OPTIONS only", http.StatusBadRequest)
		default:
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusOK)
		}
	})
}
