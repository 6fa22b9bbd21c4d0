package main

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tlsecho/tlsecho/listener"
)

// proxyModes are TLSECHO_PROXY_PROTOCOL's values, read in any case.
var proxyModes = []string{"off", "optional", "require"}

// validateBalancer checks the settings for running behind a load balancer
// or in a cluster.
func (c *Config) validateBalancer() error {
	if c.DrainDelay < 0 {
		return &configError{Var: "TLSECHO_DRAIN_DELAY", Err: fmt.Errorf("must not be negative, not %v", c.DrainDelay)}
	}
	// The drain runs from the end of the delay until the timeout less
	// the exit margin: a delay that reaches into the margin would leave
	// the drain a deadline already past, and WebSocket clients no 1001.
	if margin := exitMargin(c.ShutdownTimeout); c.DrainDelay >= c.ShutdownTimeout-margin {
		return &configError{Var: "TLSECHO_DRAIN_DELAY", Err: fmt.Errorf(
			"%v leaves no time to drain: the delay counts inside TLSECHO_SHUTDOWN_TIMEOUT (%v), whose last %v are kept for exiting; shorten the delay or raise the timeout",
			c.DrainDelay, c.ShutdownTimeout, margin)}
	}
	if !slices.Contains(proxyModes, c.ProxyProtocol) {
		return &configError{Var: "TLSECHO_PROXY_PROTOCOL", Err: fmt.Errorf("%q: want off, optional or require", c.ProxyProtocol)}
	}
	if _, err := c.trustedPrefixes(); err != nil {
		return &configError{Var: "TLSECHO_PROXY_TRUSTED", Err: err}
	}
	if _, err := c.proxyStage(); err != nil {
		return &configError{Var: "TLSECHO_PROXY_TRUSTED", Err: err}
	}
	return nil
}

// healthProblem says why `tlsecho health` cannot ask a server with this
// configuration, or returns "". Such a configuration is valid: the admin
// listener may be off whatever else is set, and the server only warns at
// start; the health command refuses it with this reason.
func (c *Config) healthProblem() string {
	if c.AdminAddr != "" {
		return ""
	}
	// With no client certificate to show, health can only ask a plain
	// HTTP listener when the TLS ports require one.
	if c.ClientCAFile != "" && c.HTTPAddr == "" {
		return "TLSECHO_CLIENT_CA_FILE requires client certificates on the TLS ports, which `tlsecho health` has none of, and TLSECHO_ADMIN_ADDR and TLSECHO_HTTP_ADDR are off; turn one of them on"
	}
	if why := c.healthFaultProblem(); why != "" {
		return why
	}
	// It asks a listener that requires a PROXY header, sending one from
	// the address it dials.
	trusted, err := c.trustedPrefixes()
	if err != nil || c.ProxyProtocol != "require" || len(trusted) == 0 {
		return ""
	}
	target, _ := healthTarget(*c)
	u, err := url.Parse(target)
	if err != nil {
		return ""
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil && !slices.ContainsFunc(trusted, func(p netip.Prefix) bool { return p.Contains(ip.Unmap()) }) {
		return fmt.Sprintf("with TLSECHO_ADMIN_ADDR off and TLSECHO_PROXY_PROTOCOL=require, `tlsecho health` sends its PROXY header from %s, which TLSECHO_PROXY_TRUSTED does not hold", ip)
	}
	return ""
}

// proxyStage is the PROXY protocol stage of the TLS, HTTPS and HTTP
// listeners, or nil when TLSECHO_PROXY_PROTOCOL is off.
func (c *Config) proxyStage() (*listener.Proxy, error) {
	if c.ProxyProtocol == "off" {
		return nil, nil
	}
	// The stage gets the ranges as X-Forwarded-* does, so that one rule
	// decides who is trusted for both.
	prefixes, err := c.trustedPrefixes()
	if err != nil {
		return nil, err
	}
	trusted := make([]string, len(prefixes))
	for i, p := range prefixes {
		trusted[i] = p.String()
	}
	return listener.NewProxy(listener.ProxyOptions{Require: c.ProxyProtocol == "require", Trusted: trusted})
}

// trustedPrefixes is TLSECHO_PROXY_TRUSTED as ranges, for the PROXY stage
// and the X-Forwarded-* headers of the HTTP listener; nil trusts any
// peer. An address is a range of one. Peers are compared unmapped (an
// IPv4 client of a dual-stack socket is its IPv4 address), so an
// IPv4-mapped entry (::ffff:10.0.0.0/104, ::ffff:10.0.0.7) stands for its
// IPv4 range (10.0.0.0/8, 10.0.0.7): written either way, it trusts the
// same peers.
func (c *Config) trustedPrefixes() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, t := range c.ProxyTrusted {
		var p netip.Prefix
		var err error
		if strings.Contains(t, "/") {
			p, err = netip.ParsePrefix(t)
			if a := p.Addr(); err == nil && a.Is4In6() && p.Bits() >= 128-32 {
				p = netip.PrefixFrom(a.Unmap(), p.Bits()-(128-32))
			}
			p = p.Masked()
		} else {
			var a netip.Addr
			if a, err = netip.ParseAddr(t); err == nil && a.Zone() != "" {
				// A peer's address carries no zone to compare with (a
				// range drops it): taken as written, fe80::1%eth0 would
				// trust fe80::1 on every interface.
				return nil, fmt.Errorf("%q: a zone (%%%s) is not compared, so the entry would trust %s on every interface; write it without the zone", t, a.Zone(), a.WithZone(""))
			} else if err == nil {
				a = a.Unmap()
				p = netip.PrefixFrom(a, a.BitLen())
			}
		}
		switch {
		case err != nil && strings.HasPrefix(t, "["):
			return nil, fmt.Errorf("%q is neither an IP address nor a CIDR range: write an IPv6 address without brackets, as ::1 or fd00::/8", t)
		case err != nil:
			return nil, fmt.Errorf("%q is neither an IP address nor a CIDR range such as 10.0.0.0/8", t)
		}
		out = append(out, p)
	}
	return out, nil
}

// countProxy adds to hooks the count of PROXY stage outcomes, in
// tlsecho_proxy_headers_total, when the stage is on: refusals there are
// what a wrong TLSECHO_PROXY_TRUSTED or a balancer not sending headers
// looks like.
func (a *app) countProxy(hooks *listener.Hooks) {
	if a.proxy == nil {
		return
	}
	count := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tlsecho_proxy_headers_total",
		Help: "Connections through the PROXY protocol stage, by listener and outcome: client (a header named a TCP client, which the connection is then counted and logged as), not_tcp (a header named a UDP or Unix-socket client: the balancer stays the client), none (no header, a LOCAL one or v1 UNKNOWN), refused (closed: no header where one is required, an untrusted sender, a malformed, late or too long header).",
	}, []string{"listener", "outcome"})
	a.metrics.reg.MustRegister(count)
	// Refusals are there at 0 from the first scrape, for an alert rule.
	for _, name := range []string{"tls", "https", "http"} {
		if name != "http" || a.plain != nil {
			count.WithLabelValues(name, "refused")
		}
	}
	hooks.Proxy = func(c *listener.Conn, err error) {
		outcome := "none"
		switch {
		case err != nil:
			outcome = "refused"
		case c.Balancer != nil:
			outcome = "client"
		case c.ProxySource != nil:
			outcome = "not_tcp"
		}
		count.WithLabelValues(c.Listener, outcome).Inc()
	}
}

// requestUpstreamTLS reports whether the PROXY header of the request's
// connection said the client used TLS to the balancer, for /info.
func requestUpstreamTLS(r *http.Request) bool {
	c := listener.FromContext(r.Context())
	return c != nil && c.ProxyTLS
}
