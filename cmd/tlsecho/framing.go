package main

import "net/http"

// closeAfterChunked ends the connection after the answer to a request
// whose body came with Transfer-Encoding. RFC 9112 section 6.3: a request
// with both Transfer-Encoding and Content-Length may be an attempt at
// request smuggling, where a proxy in front frames the body by one header
// and this server by the other, and a server that answers it MUST close
// the connection afterwards. net/http frames such a body by
// Transfer-Encoding, as it must, but then keeps the connection for the
// next request, and it drops the Content-Length before a handler sees the
// request: a handler cannot tell the two shapes apart. So every chunked
// request is the connection's last. Nothing served here takes a chunked
// body (browsers, probes and scrapers send none; the form of POST
// /faults comes with a Content-Length from every ordinary client), so
// the cost is a new connection for a rare client, against a framing
// disagreement carried into the next request.
func closeAfterChunked(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TransferEncoding) > 0 {
			// net/http sees the header and closes once the answer is out,
			// without reading what is left of the body.
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}
