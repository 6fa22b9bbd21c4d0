package main

import (
	"bufio"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/testmain"
	"github.com/tlsecho/tlsecho/listener"
)

func countFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(entries)
}

// waitBaseline waits until this process has no more goroutines and
// descriptors than before, with room for the server's goroutines that
// end a moment after the clients saw their connections end, and fails
// with every goroutine's stack if it does not get there.
func waitBaseline(t *testing.T, goroutines, fds int) {
	t.Helper()
	deadline := time.Now().Add(ioWait)
	for {
		runtime.GC()
		g, f := runtime.NumGoroutine(), countFDs(t)
		if g <= goroutines && f <= fds {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines %d (before %d), descriptors %d (before %d)\n%s", g, goroutines, f, fds, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitParked waits, where connections park (listener.Parking), until
// one waits with no goroutine: the listener's parked set is open then,
// its descriptor and its watch's goroutine part of what the process
// holds for as long as the connection stays quiet.
func waitParked(t *testing.T) {
	t.Helper()
	if !listener.Parking {
		return
	}
	deadline := time.Now().Add(ioWait)
	buf := make([]byte, 1<<20)
	for !strings.Contains(string(buf[:runtime.Stack(buf, true)]), "listener.(*parker).watch") {
		if time.Now().After(deadline) {
			t.Fatalf("no connection parked within %v", ioWait)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestBadInputLeavesNoTrace throws every kind of bad client at a running
// server at once: silent TCP, garbage and plain HTTP on the TLS port, old
// TLS versions on both ports, garbage after a good handshake on the HTTPS
// port, a WebSocket protocol violation, an origin refused. A good client
// keeps echoing throughout, and afterwards goroutines and descriptors are
// back to where they were.
func TestBadInputLeavesNoTrace(t *testing.T) {
	// A process of its own: the baseline below is the process's, and
	// this test's waits do not hold up the parallel tests.
	if !testmain.Alone(t) {
		return
	}
	// Silent clients wait out the handshake timeout, while the clients
	// that do handshake must finish theirs within it, dozens at once under
	// -race on a loaded machine: seconds, not milliseconds.
	ta := startApp(t, map[string]string{"HANDSHAKE_TIMEOUT": "3s"})
	good, err := tls.Dial("tcp", ta.TLSAddr, ta.clientTLS())
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	echoGood := func() {
		t.Helper()
		good.SetDeadline(time.Now().Add(ioWait))
		io.WriteString(good, "still fine")
		buf := make([]byte, len("still fine"))
		if _, err := io.ReadFull(good, buf); err != nil || string(buf) != "still fine" {
			t.Fatalf("good client: %q %v", buf, err)
		}
	}
	echoGood()
	waitParked(t)
	runtime.GC()
	goroutines, fds := runtime.NumGoroutine(), countFDs(t)

	junk := make([]byte, 4096)
	rand.Read(junk)
	attacks := map[string]func() error{
		"silent TCP on TLS port":   func() error { return silent(ta.TLSAddr) },
		"silent TCP on HTTPS port": func() error { return silent(ta.HTTPSAddr) },
		"garbage on TLS port":      func() error { return sendRaw(ta.TLSAddr, junk) },
		"plain HTTP on TLS port":   func() error { return sendRaw(ta.TLSAddr, []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")) },
		"garbage on HTTPS port":    func() error { return sendRaw(ta.HTTPSAddr, junk) },
		"TLS 1.0 on TLS port":      func() error { return oldTLS(ta.TLSAddr) },
		"TLS 1.0 on HTTPS port":    func() error { return oldTLS(ta.HTTPSAddr) },
		"garbage inside HTTPS":     func() error { return garbageInside(ta.HTTPSAddr, junk) },
		"unmasked WebSocket frame": func() error { return unmaskedFrame(ta.HTTPSAddr) },
		"foreign Origin":           func() error { return foreignOrigin(ta.HTTPSAddr) },
	}
	// Five of each at once, so the silent ones wait out one timeout
	// together.
	done := make(chan string)
	for name, attack := range attacks {
		go func() {
			var wg sync.WaitGroup
			for range 5 {
				wg.Go(func() {
					if err := attack(); err != nil {
						t.Errorf("%s: %v", name, err)
					}
				})
			}
			wg.Wait()
			done <- name
		}()
	}
	for range attacks {
		<-done
		echoGood()
	}

	waitBaseline(t, goroutines, fds)
	echoGood()
}

// silent opens TCP and waits to be dropped by the handshake timeout.
func silent(addr string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(ioWait))
	_, err = io.Copy(io.Discard, c)
	return ignoreExpected(err)
}

// sendRaw writes bytes that are not TLS and reads until the server hangs up.
func sendRaw(addr string, data []byte) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioWait))
	c.Write(data)
	_, err = io.Copy(io.Discard, c)
	return ignoreExpected(err)
}

func oldTLS(addr string) error {
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10})
	if err == nil {
		c.Close()
		return errUnexpected("a TLS 1.0 handshake succeeded")
	}
	return nil
}

// garbageInside completes TLS and then sends bytes that are not HTTP.
func garbageInside(addr string, junk []byte) error {
	c, err := tls.Dial("tcp", addr, insecureTLS)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioWait))
	c.Write(junk)
	_, err = io.Copy(io.Discard, c)
	return ignoreExpected(err)
}

// unmaskedFrame upgrades by hand and sends a frame a client must mask; the
// server must answer with close 1002.
func unmaskedFrame(addr string) error {
	c, err := tls.Dial("tcp", addr, insecureTLS)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioWait))
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: "+addr+"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return errUnexpected("upgrade answered " + resp.Status)
	}
	c.Write([]byte{0x81, 0x05, 'h', 'e', 'l', 'l', 'o'})
	hdr := make([]byte, 4)
	if _, err := io.ReadFull(br, hdr); err != nil {
		return err
	}
	if hdr[0] != 0x88 || binary.BigEndian.Uint16(hdr[2:]) != 1002 {
		return errUnexpected("no close 1002 for an unmasked frame")
	}
	return nil
}

func foreignOrigin(addr string) error {
	req, _ := http.NewRequest("GET", "https://"+addr+"/ws", nil)
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	req.Header.Set("Sec-WebSocket-Version", "13")
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: insecureTLS, DisableKeepAlives: true}, Timeout: ioWait}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		return errUnexpected("foreign origin answered " + resp.Status)
	}
	return nil
}

type errUnexpected string

func (e errUnexpected) Error() string { return string(e) }

// ignoreExpected accepts the ways a server ends a bad connection: EOF or a
// reset. A timeout means it did not.
func ignoreExpected(err error) error {
	if err == nil {
		return nil
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return err
	}
	if strings.Contains(err.Error(), "reset") {
		return nil
	}
	return err
}

// TestRequestBodyNeverSent: a request that declares a body and never sends
// it, on the HTTPS and on the plain HTTP port, is dropped once the
// handshake timeout has passed since it began, as a request whose headers
// never end is, instead of holding its connection (and a slot) for good.
func TestRequestBodyNeverSent(t *testing.T) {
	t.Parallel()
	const timeout = time.Second
	ta := startApp(t, map[string]string{"HANDSHAKE_TIMEOUT": timeout.String(), "HTTP_ADDR": "127.0.0.1:0"})
	dials := map[string]func() (net.Conn, error){
		"https": func() (net.Conn, error) { return tls.Dial("tcp", ta.HTTPSAddr, ta.clientTLS()) },
		"http":  func() (net.Conn, error) { return net.Dial("tcp", ta.HTTPAddr) },
	}
	for name, dial := range dials {
		for _, path := range []string{"/", "/info", "/ws"} {
			t.Run(name+path, func(t *testing.T) {
				t.Parallel()
				c, err := dial()
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				start := time.Now()
				fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n", path)
				c.SetReadDeadline(time.Now().Add(timeout + ioWait))
				if _, err := io.Copy(io.Discard, c); err != nil {
					t.Fatalf("connection still open %v after a request whose body never came: %v", time.Since(start).Round(time.Millisecond), err)
				}
			})
		}
	}
}
