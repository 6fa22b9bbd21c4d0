package main

import (
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/tlsecho/tlsecho/internal/hostfield"
)

// refuseRebinding wraps the admin listener's handler against DNS
// rebinding. The admin port is plain HTTP with no credentials, and any
// web page can have a browser talk to it: a page on
// http://evil.example:9090/ whose name is then made to resolve to
// 127.0.0.1 reaches this port as its own origin, so the browser lets it
// read /hellos and arm faults, and CORS or the cross-origin check on
// /faults never sees another site. What such a browser cannot hide is
// the name it used: Host stays evil.example:9090. So a request a browser
// sent (fromBrowser) is served only by a name that cannot be rebound from
// outside: an IP address literal, localhost or a name under .localhost
// (RFC 6761 section 6.3: browsers resolve those to loopback themselves),
// or one of names(), the server's own names. Anything else gets 403 and
// one line saying how to allow the name.
//
// Requests that carry none of a browser's marks are never refused,
// whatever their Host: Prometheus (User-Agent Prometheus/..., Accept and
// X-Prometheus-Scrape-Timeout-Seconds), kubelet probes (kube-probe/...,
// with the Host a pod spec may set), curl, tlsecho health and the load
// tool, which scrape and probe by a service's name as often as by an
// address.
//
// 403, not 421 Misdirected Request: browsers take 421 as a hint to retry
// the request on a new connection, which would be answered the same; 403
// is what the cross-origin check on /faults answers a browser too, and
// what a person reading the page in a browser understands.
//
// names is called for each browser request, so the names of a reloaded
// certificate count at once.
func refuseRebinding(log *slog.Logger, names func() []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !fromBrowser(r.Header) || ownHost(r.Host, names()) {
			next.ServeHTTP(w, r)
			return
		}
		log.Debug("refused a browser's request by a name not the server's", "host", r.Host, "peer", r.RemoteAddr, "path", r.URL.Path)
		w.Header().Set("Cache-Control", "no-store")
		// The name without the port: that is what TLSECHO_HOSTS takes,
		// and a name copied from here with its port would match nothing.
		http.Error(w, "admin: a browser asked for this port by the name "+strconv.Quote(hostfield.Host(r.Host))+
			" (Host "+strconv.Quote(r.Host)+"), which is not one of this server's, so it is refused (a DNS rebinding defence): add the name to TLSECHO_HOSTS,"+
			" or open the admin port by its IP address or localhost", http.StatusForbidden)
	})
}

// browserHeaders are request headers that browsers add themselves and
// that curl, Go's client, Prometheus and kubelet do not send.
// Sec-Fetch-* and Origin alone would miss the attack: a page of a plain
// http:// origin such as http://evil.example:9090 gets no Sec-Fetch-*
// (browsers send them to trustworthy origins only: https, localhost, IP
// loopback) and no Origin on a GET, so its fetch("/hellos") carries
// neither. It does carry Accept-Language, which a page may set to
// anything, the empty string included, but not remove (seen in Chromium
// 148).
var browserHeaders = []string{"Sec-Fetch-Site", "Sec-Fetch-Mode", "Origin", "Accept-Language"}

// fromBrowser reports whether h carries any of browserHeaders, or the
// User-Agent every browser sends ("Mozilla/5.0 ..."), which Chromium
// does not let a page change.
func fromBrowser(h http.Header) bool {
	for _, k := range browserHeaders {
		if len(h[k]) > 0 {
			return true
		}
	}
	return strings.HasPrefix(h.Get("User-Agent"), "Mozilla/")
}

// ownHost reports whether hostport, a request's Host, names this server
// in a way no DNS answer can change: an IP address literal, localhost or
// a name under .localhost, or one of names (a wildcard "*.example.com"
// matches one label, as in a certificate; RFC 6125 section 6.4.3).
// Names compare without case and without a trailing dot, as DNS does.
func ownHost(hostport string, names []string) bool {
	host := strings.TrimSuffix(strings.ToLower(hostfield.Host(hostport)), ".")
	if host == "" {
		return false
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	for _, n := range names {
		n = strings.TrimSuffix(strings.ToLower(n), ".")
		if parent, ok := strings.CutPrefix(n, "*."); ok {
			label, rest, found := strings.Cut(host, ".")
			if found && label != "" && rest == parent {
				return true
			}
			continue
		}
		if n == host {
			return true
		}
	}
	return false
}
