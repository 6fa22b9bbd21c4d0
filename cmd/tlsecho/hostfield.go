package main

import (
	"net/http"
	"net/netip"
	"strings"
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
		if !validHostField(r.Host) {
			http.Error(w, "400 Bad Request: the Host header is not a host or host:port", http.StatusBadRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// validHostField reports whether v is empty (HTTP/1.0 may send no Host)
// or uri-host [":" port] (RFC 9110 section 7.2): an IPv6 address only
// within brackets and without a zone, no other bracket or colon in the
// host, and a port of digits only (RFC 3986 section 3.2.3 allows it
// empty). IPvFuture literals are refused: no client sends them.
func validHostField(v string) bool {
	host, port, hasPort := v, "", false
	if strings.HasPrefix(v, "[") {
		end := strings.IndexByte(v, ']')
		if end < 0 {
			return false
		}
		a, err := netip.ParseAddr(v[1:end])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return false
		}
		rest := v[end+1:]
		if rest != "" && rest[0] != ':' {
			return false
		}
		host, port, hasPort = "", strings.TrimPrefix(rest, ":"), rest != ""
	} else if i := strings.IndexByte(v, ':'); i >= 0 {
		host, port, hasPort = v[:i], v[i+1:], true
	}
	if strings.ContainsAny(host, "[]:") {
		return false
	}
	if hasPort && strings.Trim(port, "0123456789") != "" {
		return false
	}
	return true
}
