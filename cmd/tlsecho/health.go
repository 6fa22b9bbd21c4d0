package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthCmd asks the local server's /healthz, for a container HEALTHCHECK:
// the admin listener when it is on, else the HTTPS port (whose certificate
// is not checked: this is the server's own, on loopback).
func healthCmd(ctx context.Context, args, environ []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if isHelp(args[0]) {
			fmt.Fprint(stdout, `Usage: tlsecho health

Exits 0 when the server on this machine answers /healthz on TLSECHO_ADMIN_ADDR
(or, with the admin listener off, on TLSECHO_HTTPS_ADDR), 1 otherwise, 2 on a
bad configuration. Reads the same environment as the server. For a container
HEALTHCHECK. With TLSECHO_CLIENT_CA_FILE (mTLS) it needs the admin listener,
since it has no client certificate; the server refuses to start without it.
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
	url := "http://" + loopback(cfg.AdminAddr) + "/healthz"
	client := &http.Client{Timeout: 3 * time.Second}
	if cfg.AdminAddr == "" {
		url = "https://" + loopback(cfg.HTTPSAddr) + "/healthz"
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	}
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
