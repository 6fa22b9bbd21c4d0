package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestPlainHTTPHeadersNotRead: on the plain HTTP listener, from a trusted
// peer, the standard Forwarded header (RFC 7239) and X-Forwarded-Host
// are not read: /info shows the peer as the client, over http. With a
// PROXY header on the connection, X-Forwarded-* are judged by the client
// the header names, not by the balancer that sent it: a balancer in TCP
// mode passes the client's own headers through, so they cannot make the
// client look like another.
func TestPlainHTTPHeadersNotRead(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0", "PROXY_TRUSTED": "127.0.0.0/8", "PROXY_PROTOCOL": "optional"})
	client := &http.Client{Timeout: ioWait}
	c := getInfo(t, client, "http://"+ta.HTTPAddr+"/info", map[string]string{
		"Forwarded":        "for=203.0.113.9;proto=https;host=echo.example",
		"X-Forwarded-Host": "echo.example",
	}).Client
	if !strings.HasPrefix(c.Address, "127.0.0.1:") || c.Scheme != "http" || c.TLSTerminatedUpstream || c.Proxy != "" {
		t.Errorf("/info with Forwarded from a trusted peer: %+v; want the peer, over http, not forwarded", c)
	}

	conn, err := net.DialTimeout("tcp", ta.HTTPAddr, ioWait)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(ioWait))
	fmt.Fprintf(conn, "PROXY TCP4 192.0.2.7 127.0.0.1 40000 8080\r\n"+
		"GET /info HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc infoClient
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if c := doc.Client; c.Address != "192.0.2.7:40000" || c.Scheme != "http" || c.TLSTerminatedUpstream || c.Proxy != "" {
		t.Errorf("/info with X-Forwarded-* behind a PROXY header naming an untrusted client: %+v; want that client, over http", c)
	}
}
