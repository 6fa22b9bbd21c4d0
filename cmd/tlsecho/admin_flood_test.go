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
	// ended gets the index of each flood connection the server closes:
	// one it made room with, or one it refused at the limit.
	ended := make(chan int, 4*maxConns)
	dialFlood := func() {
		c, err := net.DialTimeout("tcp", ta.AdminAddr, ioWait)
		if err != nil {
			t.Fatal(err)
		}
		i := len(flood)
		flood = append(flood, c)
		go func() {
			c.Read(make([]byte, 1)) // ends when the server or the test closes it
			ended <- i
		}()
	}
	for range 3 * maxConns {
		dialFlood()
	}
	// The server takes the flood at its own pace, from the kernel's
	// queue: a probe that came while some of it still waited there would
	// meet the limit, as the flood does. Once the server has taken it
	// all, it holds at most the flood that fits beside the room it keeps,
	// and has closed the rest. That takes it milliseconds; the bound
	// leaves seconds for a loaded machine and stays below the 5 s the
	// admin port gives a request's headers, after which a server that does
	// not make room would find its slots freed by the flood timing out.
	const room = 3 * time.Second
	deadline := time.After(room)
	oldClosed := false
	for closed := 0; closed < 3*maxConns-(maxConns-adminReserveOf(maxConns)+1); closed++ {
		select {
		case i := <-ended:
			oldClosed = oldClosed || i < maxConns
		case <-deadline:
			t.Fatalf("the admin port still holds %d silent connections of its %d, %d of the %d closed; want room kept for probes",
				ta.adminLn.Active(), maxConns, closed, 3*maxConns)
		}
	}
	// Some of those the server took before its limit, not only those it
	// refused at it, were closed to make that room. Which ones is the
	// order in which net/http got them, not the order they came in: each
	// goes through the listener's stages on a goroutine of its own, and a
	// loaded machine runs those in any order.
	if !oldClosed {
		t.Fatalf("only connections past the first %d were closed; want the oldest closed to make room", maxConns)
	}
	for _, path := range []string{"/healthz", "/readyz", "/healthz"} {
		probe(t, ta.AdminAddr, path)
		// More of the flood between probes: each takes the place of an
		// older one, not the probe's.
		dialFlood()
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
