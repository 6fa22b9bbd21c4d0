// Package web serves the embedded browser test page of tlsecho.
//
// Everything the page needs is compiled into the binary with go:embed: no
// CDN, no build step, nothing fetched from another origin, so it works on a
// closed network and under a strict Content-Security-Policy.
package web
