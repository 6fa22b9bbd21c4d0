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
// A client's ClientHello can make its /info answer a few hundred KiB, held
// until it is read: the answers over 64 KiB being written at once share
// 16 MiB per handler, and past that one gets 503 with Retry-After.
package web
