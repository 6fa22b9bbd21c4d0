package main

import (
	"bufio"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
)

// recordTap keeps every byte read from a connection, so a test can walk
// the TLS records the peer sent.
type recordTap struct {
	net.Conn
	mu  sync.Mutex
	raw []byte
}

func (r *recordTap) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.mu.Lock()
	r.raw = append(r.raw, p[:n]...)
	r.mu.Unlock()
	return n, err
}

// lastRecordType walks the TLS records read so far and returns the
// content type of the last one, or an error when the bytes do not end on
// a record boundary.
func (r *recordTap) lastRecordType() (byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var last byte
	b := r.raw
	for len(b) > 0 {
		if len(b) < 5 {
			return 0, errors.New("a partial record header at the end")
		}
		n := 5 + int(binary.BigEndian.Uint16(b[3:5]))
		if len(b) < n {
			return 0, errors.New("a partial record at the end")
		}
		last, b = b[0], b[n:]
	}
	return last, nil
}

// recordAlert is the TLS content type of an alert record (RFC 5246
// section 6.2.1); close_notify is one.
const recordAlert = 21

// closeNotifyServer is a TLS 1.2 echo server for one connection that tells
// whether the client's last record was an alert. TLS 1.2 leaves record
// types in the clear, so a close_notify shows as an alert record right
// before the end of the stream, where a bare TCP close shows none. Go's
// tls.Conn returns io.EOF for both, so it cannot tell them apart itself.
func closeNotifyServer(t *testing.T) (addr string, lastType <-chan byte) {
	t.Helper()
	g, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan byte, 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		raw, err := ln.Accept()
		if err != nil {
			return
		}
		defer raw.Close()
		tap := &recordTap{Conn: raw}
		tc := tls.Server(tap, &tls.Config{Certificates: []tls.Certificate{*g.Cert}, MaxVersion: tls.VersionTLS12})
		buf := make([]byte, 32<<10)
		for {
			raw.SetDeadline(time.Now().Add(10 * time.Second))
			n, err := tc.Read(buf)
			if n > 0 {
				if _, err := tc.Write(buf[:n]); err != nil {
					t.Errorf("echo server write: %v", err)
					return
				}
			}
			if err != nil {
				break
			}
		}
		typ, err := tap.lastRecordType()
		if err != nil {
			t.Errorf("records from the client: %v", err)
		}
		tc.Close() // answers with our own close_notify
		out <- typ
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().String(), out
}

// TestClientInterrupt runs the real client process, interrupts it with
// SIGINT in the middle of a session, and checks from the server's side
// that it ended politely (close 1000 on wss, close_notify on raw TLS),
// and that it exits 130.
func TestClientInterrupt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		wss   bool
		args  []string // after the URL
		stdin string
		ready string // on stdout once the session runs
	}{
		{name: "tls, stdin", stdin: "hello\n", ready: "hello"},
		{name: "tls, -n", args: []string{"-n", "100000", "ping"}, ready: "echo 2/"},
		{name: "wss, stdin", wss: true, stdin: "hello\n", ready: "hello"},
		{name: "wss, -n", wss: true, args: []string{"-n", "100000", "ping"}, ready: "echo 2/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var url string
			var ta *testApp
			var lastType <-chan byte
			if tt.wss {
				ta = startApp(t, nil)
				url = urls(ta)["wss"]
			} else {
				var addr string
				addr, lastType = closeNotifyServer(t)
				url = "tls://" + addr
			}
			args := append([]string{"client", "-insecure", url}, tt.args...)
			cmd := command(t, nil, args...)
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close() // open until the end: the end of input would close the session
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill() })
			ready := make(chan struct{})
			copied := make(chan struct{})
			go func() {
				defer close(copied)
				seen := false
				sc := bufio.NewScanner(stdout)
				for sc.Scan() {
					if !seen && strings.Contains(sc.Text(), tt.ready) {
						seen = true
						close(ready)
					}
				}
				io.Copy(io.Discard, stdout)
			}()
			io.WriteString(stdin, tt.stdin)
			select {
			case <-ready:
			case <-time.After(10 * time.Second):
				// Killed and waited for first: exec writes stderr until
				// then, and reading it meanwhile is a data race.
				cmd.Process.Kill()
				<-copied
				cmd.Wait()
				t.Fatalf("no %q on stdout within 10s; stderr:\n%s", tt.ready, stderr.String())
			}

			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() {
				<-copied
				exited <- cmd.Wait()
			}()
			select {
			case err = <-exited:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-exited // as above
				t.Fatalf("still running 10s after SIGINT; stderr:\n%s", stderr.String())
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
				t.Errorf("exit: %v, want status %d; stderr:\n%s", err, exitInterrupted, stderr.String())
			}
			want := "interrupted; sent close_notify, and "
			if tt.wss {
				want = "interrupted; sent close 1000, and "
			}
			if !strings.Contains(stderr.String(), want) {
				t.Errorf("stderr %q lacks %q", stderr.String(), want)
			}

			if tt.wss {
				line := waitLogged(t, ta, `msg="websocket closed"`)
				if !strings.Contains(line, "code=1000") {
					t.Errorf("the server saw %s, want close 1000", line)
				}
				return
			}
			select {
			case typ := <-lastType:
				if typ != recordAlert {
					t.Errorf("the client's last record has type %d, want %d (alert: close_notify)", typ, recordAlert)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the server saw no end of the connection within 10s")
			}
		})
	}
}

// TestClientInterruptWhileConnecting: Ctrl-C during a handshake that
// hangs ends the client at once with 130, not after -timeout.
func TestClientInterruptWhileConnecting(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c // held open, silent, until the test ends
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		select {
		case c := <-accepted:
			c.Close()
		default:
		}
	})
	cmd := command(t, nil, "client", "-timeout", "60s", "tls://"+ln.Addr().String(), "x")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	select {
	case c := <-accepted:
		defer c.Close()
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not connect within 10s")
	}
	cmd.Process.Signal(syscall.SIGINT)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err = <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10s after SIGINT, with -timeout 60s")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Errorf("exit: %v, want status %d; stderr:\n%s", err, exitInterrupted, stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted before the session began") {
		t.Errorf("stderr %q does not say it was interrupted", stderr.String())
	}
}
