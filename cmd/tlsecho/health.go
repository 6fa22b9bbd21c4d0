package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/pires/go-proxyproto"
)

// healthCmd asks the local server's /healthz, for a container HEALTHCHECK:
// the admin listener when it is on, else the plain HTTP listener, else the
// HTTPS port (whose certificate is not checked: this is the server's own,
// on loopback).
func healthCmd(ctx context.Context, args, environ []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if isHelp(args[0]) {
			fmt.Fprint(stdout, `Usage: tlsecho health

Exits 0 when the server on this machine answers /healthz on TLSECHO_ADMIN_ADDR
(or, with the admin listener off, on TLSECHO_HTTP_ADDR, else on
TLSECHO_HTTPS_ADDR), 1 otherwise, 2 on a bad configuration. Reads the same
environment as the server. For a container HEALTHCHECK. With
TLSECHO_CLIENT_CA_FILE (mTLS) it has no client certificate to show, so it
needs the admin or the HTTP listener; with TLSECHO_PROXY_PROTOCOL=require
and admin off it sends a PROXY LOCAL header, from an address that
TLSECHO_PROXY_TRUSTED must hold. Asking the HTTPS port, it gets
TLSECHO_FAULT like every connection there: it waits out an hsdelay, and
cannot pass an alert. Where it cannot ask the server it exits 2 saying
why, and the server warns of it at start. It exits 2 too when the
listener it asks is set to port 0, a free port the server picks at start
and only its start line tells; give the port it printed.
`)
			return exitOK
		}
		fmt.Fprintln(stderr, "tlsecho health: takes no arguments")
		return exitUsage
	}
	cfg, err := loadConfig(environ)
	if err != nil {
		fmt.Fprintf(stderr, "tlsecho health: %v\n", err)
		return exitUsage
	}
	if why := cfg.healthProblem(); why != "" {
		fmt.Fprintf(stderr, "tlsecho health: cannot ask this server: %s\n", why)
		return exitUsage
	}
	// Port 0 asks the kernel for a free port at start, which only the
	// server's start line tells; dialled, port 0 is always refused.
	if name, addr := healthListener(cfg); hasPortZero(addr) {
		fmt.Fprintf(stderr, "tlsecho health: cannot ask this server: %s=%s has port 0, a free port the server picks at start, which `tlsecho health` cannot know; give the port\n", name, addr)
		return exitUsage
	}
	url, client := healthTarget(cfg)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "tlsecho health: %v\n", err)
		return exitFailure
	}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "tlsecho health: %v\n", err)
		return exitFailure
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "tlsecho health: %s answered %s\n", url, resp.Status)
		return exitFailure
	}
	fmt.Fprintf(stdout, "ok: %s\n", url)
	return exitOK
}

// loopback turns a listen address into one to dial on this machine: an
// empty or unspecified host becomes the loopback address of its family.
func loopback(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	switch ip := net.ParseIP(host); {
	case host == "" || (ip != nil && ip.To4() != nil && ip.IsUnspecified()):
		host = "127.0.0.1"
	case ip != nil && ip.IsUnspecified():
		host = "::1"
	}
	return net.JoinHostPort(host, port)
}

// healthListener is the listener `tlsecho health` asks, its variable and
// its address: the admin listener when it is on, else the plain HTTP
// listener, else the HTTPS port.
func healthListener(cfg Config) (name, addr string) {
	switch {
	case cfg.AdminAddr != "":
		return envPrefix + "ADMIN_ADDR", cfg.AdminAddr
	case cfg.HTTPAddr != "":
		return envPrefix + "HTTP_ADDR", cfg.HTTPAddr
	}
	return envPrefix + "HTTPS_ADDR", cfg.HTTPSAddr
}

// hasPortZero reports whether addr leaves the port to the kernel.
func hasPortZero(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err == nil && port == "0"
}

// healthTarget is the URL `tlsecho health` asks and the client to ask it
// with. The admin listener takes no PROXY header; the others, when the
// server requires one, get a LOCAL header, the kind a load balancer sends
// with its own health checks.
func healthTarget(cfg Config) (string, *http.Client) {
	tr := &http.Transport{DisableKeepAlives: true}
	client := &http.Client{Timeout: 3*time.Second + cfg.healthHandshakeDelay(), Transport: tr}
	name, addr := healthListener(cfg)
	if name == envPrefix+"ADMIN_ADDR" {
		return healthURL("http", addr), client
	}
	if cfg.ProxyProtocol == "require" {
		var d net.Dialer
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			local := &proxyproto.Header{Version: 2, Command: proxyproto.LOCAL, TransportProtocol: proxyproto.UNSPEC}
			if _, err := local.WriteTo(c); err != nil {
				c.Close()
				return nil, err
			}
			return c, nil
		}
	}
	if name == envPrefix+"HTTP_ADDR" {
		return healthURL("http", addr), client
	}
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	return healthURL("https", addr), client
}

// healthURL is the /healthz URL of the listener on addr. url.URL writes
// an IPv6 zone's "%" as "%25" (RFC 6874): pasted in as it is, the "%"
// of [fe80::1%eth0]:9090 would start a bad escape and the URL would not
// parse, though the server listens there.
func healthURL(scheme, addr string) string {
	return (&url.URL{Scheme: scheme, Host: loopback(addr), Path: "/healthz"}).String()
}
