package main

import (
	"net/http"

	"github.com/tlsecho/tlsecho/internal/hostfield"
)

// checkHostField answers 400 to a request whose Host is no host[:port]:
// RFC 9112 section 3.2 has a server answer 400 to a Host field with an
// invalid value. net/http checks only that its bytes are ones a host may
// hold, so "[::1" or "localhost:port" reached the handlers, which take the
// Host for a name (the origin check of /ws, /info's commands, the admin
// port's rebinding defence). An absolute-form target sets the Host from
// the URL, which net/http has parsed strictly already.
func checkHostField(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hostfield.Valid(r.Host) {
			http.Error(w, "400 Bad Request: the Host header is not a host or host:port", http.StatusBadRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}
