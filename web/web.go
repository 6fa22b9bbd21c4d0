package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static
var static embed.FS

// pageCSP lets the page load only its own files and run no inline code:
// no inline <script>, no inline style attributes, no eval. Trusted Types
// with no policy make every innerHTML-style sink throw, so the page can
// build its DOM only from text nodes. connect-src allows any wss server
// because the page is a workbench for testing other echo servers too;
// plain ws: is left out since an HTTPS page cannot use it (mixed content).
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self' wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; " +
	"require-trusted-types-for 'script'; trusted-types 'none'"

// answerCSP is the policy of every answer that is not the page: text,
// JSON, a redirect, an error. It runs nothing, loads nothing and lets no
// page frame it, so an answer opened or framed by another site is inert.
const answerCSP = "default-src 'none'; frame-ancestors 'none'"

// setSecurityHeaders sets the headers every response of this package
// carries. There is no Strict-Transport-Security: the server usually runs
// on localhost with a throwaway certificate, and HSTS pinned on localhost
// would break every other local development server in that browser.
func setSecurityHeaders(h http.Header, csp string) {
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
}

// Handler serves the page and its assets at the root of the returned
// handler's path space, with security headers suited to a page that only
// talks to its own origin (and to the wss servers its user points it at).
// Each file carries an ETag made from its content and Cache-Control:
// no-cache, so a browser revalidates on every load and gets 304 while the
// binary is the same.
func Handler() http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		// The embedded tree is fixed at compile time; this cannot fail.
		panic(err)
	}
	files := http.FileServerFS(sub)
	tags := etags(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w.Header(), pageCSP)
		// The files change only with the binary; revalidating each load
		// keeps an upgraded server from serving a stale script.
		w.Header().Set("Cache-Control", "no-cache")
		// Embedded files have no modification time, so without an ETag
		// that revalidation could never be answered 304 and every load
		// fetched every file again. http.ServeContent answers
		// If-None-Match from the ETag set here.
		if tag, ok := tags[r.URL.Path]; ok {
			w.Header().Set("ETag", tag)
		}
		files.ServeHTTP(w, r)
	})
}

// etags maps the URL path of each embedded file to a strong ETag made
// from its content: the same bytes get the same tag in every build and
// on every replica, a changed file a new one. "/" is the page itself;
// "/index.html" is left out, as it answers only with a redirect to "/".
func etags(files fs.FS) map[string]string {
	tags := map[string]string{}
	// The embedded tree is fixed at compile time: the walk cannot fail.
	fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return nil
		}
		sum := sha256.Sum256(b)
		tag := `"` + hex.EncodeToString(sum[:12]) + `"`
		if p == "index.html" {
			tags["/"] = tag
			return nil
		}
		tags["/"+p] = tag
		return nil
	})
	return tags
}

// Paths are the URL paths Handler serves: "/" (the page) and each file of
// the embedded tree ("/index.html" redirects to "/", as http.FileServer
// does). A router mounts Handler at each of them, for GET and HEAD, and
// so can tell a path that takes another method (405) from one that does
// not exist (404).
func Paths() []string {
	paths := []string{"/"}
	// The embedded tree is fixed at compile time: the walk cannot fail.
	fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			paths = append(paths, strings.TrimPrefix(p, "static"))
		}
		return nil
	})
	return paths
}

// SecurityHeaders sets the headers that protect an answer which is not
// the page: the page's own (no framing, no referrer, no sniffing, an
// isolated browsing context) with a policy that runs and loads nothing.
// A router that mounts the page sets them on every answer before its
// handler runs, so that its 404s and 405s, /healthz, /info and a refused
// WebSocket upgrade carry them alike; Handler then sets the page's policy
// over them.
func SecurityHeaders(h http.Header) { setSecurityHeaders(h, answerCSP) }
