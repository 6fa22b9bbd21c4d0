// Package web serves the embedded browser test page of tlsecho.
//
// Everything the page needs is compiled into the binary with go:embed: no
// CDN, no build step, nothing fetched from another origin, so it works on a
// closed network and under a strict Content-Security-Policy.
//
// [InfoHandler] answers /info, which the page shows: the certificate, this
// connection's TLS, the ClientHello, and who the client is. Behind a proxy
// that ends TLS and forwards plain HTTP, [Forwarded] takes the client and
// the scheme from X-Forwarded-For and X-Forwarded-Proto, from trusted peers
// only (anyone else could claim any address), so /info and the page say
// that TLS was terminated upstream instead of "plain HTTP". A balancer
// that ends TLS in TCP mode says the same in its PROXY header
// ([InfoHandler].UpstreamTLS).
//
// # Limits
//
// A client's ClientHello can make its /info answer a few hundred KiB, held
// until it is read: the answers over 64 KiB being written at once share
// 16 MiB per handler, and past that one gets 503 with Retry-After.
//
// # Security
//
// Every answer carries headers that forbid framing and type sniffing,
// send no Referer and isolate the browsing context ([SecurityHeaders]).
// The page's Content-Security-Policy runs only its own embedded scripts
// and, with Trusted Types and no policy, lets them build the page from
// text nodes only: much of what it shows was written by a client or by
// another server. /info escapes the characters that do not print (bidi
// controls among them) in what the client sent, and the command lines
// it suggests take the request's Host only when it is an IP address or
// a plain DNS name, since a user may paste them into a shell.
// [Forwarded] believes X-Forwarded headers only from its Trusted peers
// (from any peer when that list is empty, for a listener only the proxy
// can reach).
// There is no Strict-Transport-Security: pinned on localhost it would
// break every other local server in that browser.
//
// # Concurrency
//
// [Handler], [InfoHandler] and [Forwarded] serve requests concurrently;
// their fields must not change once they serve. The funcs given to an
// InfoHandler are called on every request, from many goroutines at once.
package web
