package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestAdminProbesThroughSilentFlood: the admin port at TLSECHO_MAX_CONNS
// with connections that send nothing, more arriving all the time, still
// answers health checks: each new connection closes the one that has
// waited longest for a request, so the flood cannot keep probes out for
// the TLSECHO_HANDSHAKE_TIMEOUT its connections may wait.
func TestAdminProbesThroughSilentFlood(t *testing.T) {
	t.Parallel()
	const maxConns = 20
	// A handshake timeout far beyond the test: only the server making
	// room can let the probes in.
	ta := startApp(t, map[string]string{"MAX_CONNS": "20", "HANDSHAKE_TIMEOUT": "1m"})
	var flood []net.Conn
	defer func() {
		for _, c := range flood {
			c.Close()
		}
	}()
	for range 3 * maxConns {
		c, err := net.DialTimeout("tcp", ta.AdminAddr, ioWait)
		if err != nil {
			t.Fatal(err)
		}
		flood = append(flood, c)
	}
	// The server takes the flood at its own pace; once it has, the port
	// has room for a probe. That takes it milliseconds; the bound leaves
	// seconds for a loaded machine and stays below the 5 s the admin port
	// gives a request's headers, after which a server that does not make
	// room would find its slots freed by the flood timing out.
	const room = 3 * time.Second
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	for deadline := start.Add(room); ta.adminLn.Active() > maxConns-adminReserveOf(maxConns)+1; <-tick.C {
		if time.Now().After(deadline) {
			t.Fatalf("the admin port still holds %d silent connections of its %d; want room kept for probes", ta.adminLn.Active(), maxConns)
		}
	}
	// The oldest of the flood has been closed to make that room.
	flood[0].SetReadDeadline(start.Add(room))
	if n, err := flood[0].Read(make([]byte, 1)); n > 0 || err == nil || isTimeout(err) {
		t.Fatalf("the first silent connection: %d bytes, %v; want it closed", n, err)
	}
	for _, path := range []string{"/healthz", "/readyz", "/healthz"} {
		probe(t, ta.AdminAddr, path)
		// More of the flood between probes: each takes the place of an
		// older one, not the probe's.
		c, err := net.DialTimeout("tcp", ta.AdminAddr, ioWait)
		if err != nil {
			t.Fatal(err)
		}
		flood = append(flood, c)
	}
}

// probe asks the admin port at addr for path, as a health check does,
// and wants 200.
func probe(t *testing.T, addr, path string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, ioWait)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioWait))
	io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
}
