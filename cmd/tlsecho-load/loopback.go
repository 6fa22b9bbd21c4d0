package main

import (
	"fmt"
	"net"
	"net/http"
	"syscall"
	"time"
)

// netDialer is the dialer under every connection the load makes: to the
// targets, and for the -metrics scrape. Unless remote is set, it refuses
// at connect time any address that is not loopback. The check of the
// names on the command line (checkLoopback) is not enough on its own:
// the scrape follows the server's redirects and the environment's
// HTTP_PROXY (a name such as this machine's host name is not exempt from
// it), and a name is resolved again when it is dialled. This check sees
// the address the kernel is given, whatever led to it.
func netDialer(timeout time.Duration, remote bool) *net.Dialer {
	d := &net.Dialer{Timeout: timeout}
	if !remote {
		d.Control = loopbackOnly
	}
	return d
}

// loopbackOnly is a net.Dialer's Control: it refuses an address that is
// not a loopback one before the connection is made.
func loopbackOnly(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("connect to %s refused: not a loopback address; pass -remote to load a server elsewhere that you run", address)
	}
	return nil
}

// scrapeClient is the HTTP client of the -metrics scrape. Without
// remote it takes no proxy from the environment (the scrape is of a
// server on this machine) and connects only to loopback addresses,
// redirects included.
func scrapeClient(remote bool) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = netDialer(30*time.Second, remote).DialContext
	if !remote {
		t.Proxy = nil
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: t}
}
