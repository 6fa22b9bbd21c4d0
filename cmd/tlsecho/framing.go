package main

import "net/http"

// closeAfterUnsureFraming ends the connection after the answer to a
// request whose end this server and a proxy in front might place apart:
// one whose body came with Transfer-Encoding, and any HTTP/1.0 request.
//
// RFC 9112 section 6.3: a request with both Transfer-Encoding and
// Content-Length may be an attempt at request smuggling, where a proxy in
// front frames the body by one header and this server by the other, and
// a server that answers it MUST close the connection afterwards. net/http
// frames such a body by Transfer-Encoding, as it must, but then keeps the
// connection for the next request, and it drops the Content-Length
// before a handler sees the request: a handler cannot tell the two shapes
// apart. So every chunked request is the connection's last.
//
// RFC 9112 section 6.1: Transfer-Encoding in an HTTP/1.0 request means
// faulty framing, and the connection MUST close after the answer.
// net/http ignores the header there (Go issue 12785) and deletes it
// before a handler runs, then reads the chunked body as the next request
// when the client asked to keep the connection alive: a proxy in front
// that took that body for body would have this server answer a request
// the proxy never saw. With no way to see the header, every HTTP/1.0
// request is the connection's last, which HTTP/1.0 allows (keeping it is
// the "keep-alive" option a server may decline); it costs a new
// connection per request only to an HTTP/1.0 client that asks for
// keep-alive, as ab -k does, where browsers, probes and scrapers speak
// HTTP/1.1.
//
// Nothing served here takes a chunked body (browsers, probes and
// scrapers send none; the form of POST /faults comes with a
// Content-Length from every ordinary client), so the cost is a new
// connection for a rare client, against a framing disagreement carried
// into the next request.
func closeAfterUnsureFraming(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TransferEncoding) > 0 || !r.ProtoAtLeast(1, 1) {
			// net/http sees the header and closes once the answer is out,
			// without reading what is left of the body.
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}
