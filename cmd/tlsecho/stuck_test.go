package main

import (
	"crypto/tls"
	"errors"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestSIGTERMWithClientsThatDoNotRead: six wss clients send 1 MiB
// messages and never read, so every echo handler is blocked writing to a
// full window. SIGTERM must still end the process within
// TLSECHO_SHUTDOWN_TIMEOUT, exit 0, and close every client's connection.
func TestSIGTERMWithClientsThatDoNotRead(t *testing.T) {
	t.Parallel()
	const timeout = 2 * time.Second
	p := startProc(t, "TLSECHO_SHUTDOWN_TIMEOUT=2s")
	d := websocket.Dialer{TLSClientConfig: insecureTLS, HandshakeTimeout: 5 * time.Second,
		NetDial: (&net.Dialer{Timeout: 5 * time.Second, Control: smallReceiveBuffer}).Dial}
	msg := make([]byte, 1<<20)
	var conns []*websocket.Conn
	var sent atomic.Int64
	var signalled atomic.Bool
	for range 6 {
		c, _, err := d.Dial("wss://"+p.HTTPSAddr+"/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
		go func() {
			for c.WriteMessage(websocket.BinaryMessage, msg) == nil {
				sent.Add(1)
				if signalled.Load() {
					break
				}
			}
			// Once SIGTERM is sent the clients keep sending, but 1 KiB
			// every 10 ms: at full speed they sent over 100 MiB more in
			// the shutdown's two seconds, most of this test's CPU.
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			for c.WriteMessage(websocket.BinaryMessage, msg[:1<<10]) == nil {
				<-tick.C
			}
		}()
	}
	// Two messages per client are more than the windows hold: the echoes
	// are under way and will block, as nothing reads them.
	for deadline := time.Now().Add(10 * time.Second); sent.Load() < 12; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d messages sent", sent.Load())
		}
	}

	signalled.Store(true)
	sigtermWithin(t, p, timeout)
	for i, c := range conns {
		nc := c.NetConn()
		nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		var err error
		for err == nil {
			_, err = nc.Read(make([]byte, 64<<10))
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("client %d: connection still open after the exit", i)
		}
	}
}

// smallReceiveBuffer gives a client socket a small receive buffer, so a
// server writing to a client that does not read blocks soon.
func smallReceiveBuffer(_, _ string, rc syscall.RawConn) error {
	return rc.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10)
	})
}

// TestSIGTERMWithDelayedEchoes: under delay:60s, clients that send faster
// than their echoes go out fill the delay queues, and each reader waits
// behind its queue, not on its socket. SIGTERM must still end the process
// within TLSECHO_SHUTDOWN_TIMEOUT: closing a socket at the deadline
// cannot wake such a reader, so the queue must let it go.
func TestSIGTERMWithDelayedEchoes(t *testing.T) {
	t.Parallel()
	const timeout = 2 * time.Second
	p := startProc(t, "TLSECHO_SHUTDOWN_TIMEOUT=2s", "TLSECHO_FAULT=delay:60s")

	// A client writes until a write waits a full second: the server has
	// stopped reading it, its queue and both socket buffers full.
	fill := func(write func([]byte) error) {
		t.Helper()
		chunk := make([]byte, 64<<10)
		for deadline := time.Now().Add(20 * time.Second); ; {
			if write(chunk) != nil {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("the server kept reading a client whose echoes are delayed a minute")
			}
		}
	}
	raw, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second, Control: smallReceiveBuffer}, "tcp", p.TLSAddr, insecureTLS)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	fill(func(b []byte) error {
		raw.SetWriteDeadline(time.Now().Add(time.Second))
		_, err := raw.Write(b)
		return err
	})
	d := websocket.Dialer{TLSClientConfig: insecureTLS, HandshakeTimeout: 5 * time.Second,
		NetDial: (&net.Dialer{Timeout: 5 * time.Second, Control: smallReceiveBuffer}).Dial}
	ws, _, err := d.Dial("wss://"+p.HTTPSAddr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	fill(func(b []byte) error {
		ws.SetWriteDeadline(time.Now().Add(time.Second))
		return ws.WriteMessage(websocket.BinaryMessage, b)
	})

	sigtermWithin(t, p, timeout)
}

// sigtermWithin sends p SIGTERM and checks that it exits 0 within its
// shutdown timeout (a second of slack for a loaded machine).
func sigtermWithin(t *testing.T, p *proc, timeout time.Duration) {
	t.Helper()
	start := time.Now()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		if err != nil {
			t.Errorf("exit: %v, want 0", err)
		}
	case <-time.After(timeout + 10*time.Second):
		t.Fatalf("still running %v after SIGTERM with a %v shutdown timeout", time.Since(start).Round(time.Second), timeout)
	}
	if took := time.Since(start); took > timeout+time.Second {
		t.Errorf("exited %v after SIGTERM, want within %v", took, timeout)
	}
}

// TestSIGTERMWithPacedEchoes: wss and raw TLS clients under bw:1KiB whose
// echoes are under way, each piece a second after the last. SIGTERM must
// end the process within TLSECHO_SHUTDOWN_TIMEOUT by its own count (the
// stopped line's took). A paced write slept until its next piece's time
// after the deadline had closed its socket, and the shutdown waited for
// it: up to a second past the timeout.
func TestSIGTERMWithPacedEchoes(t *testing.T) {
	t.Parallel()
	const timeout = 3 * time.Second
	p := startProc(t, "TLSECHO_SHUTDOWN_TIMEOUT=3s", "TLSECHO_FAULT=bw:1KiB")
	d := websocket.Dialer{TLSClientConfig: insecureTLS, HandshakeTimeout: 5 * time.Second}
	msg := make([]byte, 60000)
	echoing := make(chan struct{}, 10)
	for i := range 10 {
		var read func([]byte) (int, error)
		if i%2 == 0 {
			c, _, err := d.Dial("wss://"+p.HTTPSAddr+"/ws?fault=bw:1KiB", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetWriteDeadline(time.Now().Add(ioWait))
			if err := c.WriteMessage(websocket.BinaryMessage, msg); err != nil {
				t.Fatal(err)
			}
			read = c.NetConn().Read
		} else {
			c, err := tls.Dial("tcp", p.TLSAddr, insecureTLS)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetWriteDeadline(time.Now().Add(ioWait))
			if _, err := c.Write(msg[:16<<10]); err != nil {
				t.Fatal(err)
			}
			read = c.Read
		}
		// Each client reads the first piece of its echo, then whatever
		// comes until the end.
		go func() {
			buf := make([]byte, 1<<10)
			if n, _ := read(buf); n > 0 {
				echoing <- struct{}{}
			}
			for {
				if _, err := read(buf); err != nil {
					return
				}
			}
		}()
	}
	for range 10 {
		select {
		case <-echoing:
		case <-time.After(ioWait):
			t.Fatal("not every client's echo began")
		}
	}
	sigtermWithin(t, p, timeout)
	for m := range p.waitLog(t, "stopped", ioWait) {
		took, _ := m["took"].(float64)
		if time.Duration(took) > timeout {
			t.Errorf("stopped took %v, past the %v shutdown timeout", time.Duration(took), timeout)
		}
		t.Logf("stopped took %v", time.Duration(took))
	}
}
