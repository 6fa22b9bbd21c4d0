package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
)

// TestClientPingsCountedPerWait: the pings named beside an echo or a
// close answer that did not come are those of that wait only. A server
// that pinged while it echoed the first message, then went quiet, was
// said to have sent pings while the next echo, or the answer to the
// close, was awaited.
func TestClientPingsCountedPerWait(t *testing.T) {
	t.Parallel()
	// Pings three times and echoes the first data frame; answers the
	// client's own pings; then echoes nothing and answers no close.
	u := rawWSServer(t, switched, func(c net.Conn, br *bufio.Reader) {
		first := true
		for {
			op, p, err := clientFrame(br)
			if err != nil {
				return
			}
			var out []byte
			switch {
			case op == 0x9:
				out = append([]byte{0x8a, byte(len(p))}, p...)
			case (op == 0x1 || op == 0x2) && first:
				first = false
				for range 3 {
					out = append(out, 0x89, 0)
				}
				out = append(out, append([]byte{0x80 | op, byte(len(p))}, p...)...)
			}
			if _, err := c.Write(out); err != nil {
				return
			}
		}
	})
	tests := []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"next echo", "", []string{"-n", "2", u, "hello"}, "no echo from "},
		{"close answer", "", []string{u, "hello"}, "did not answer the client's close 1000 within 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runClient(t, tt.stdin, append([]string{"-insecure", "-timeout", "1s"}, tt.args...)...)
			r.want(t, exitFailure, nil, []string{tt.want})
			if strings.Contains(r.stderr, "pings meanwhile") {
				t.Errorf("the pings of an earlier wait are counted: %s", r.stderr)
			}
		})
	}
	// With standard input, whose wait begins at its end: the end comes
	// once the first echo, and the pings before it, have been taken.
	t.Run("stdin", func(t *testing.T) {
		t.Parallel()
		echoed := make(chan struct{})
		out := &watchWriter{want: "\na\n", seen: echoed}
		var errb bytes.Buffer
		stdin := io.MultiReader(strings.NewReader("a\n"), &gatedReader{gate: echoed, r: strings.NewReader("b\n")})
		code := clientCmd(context.Background(), []string{"-insecure", "-timeout", "1s", u}, stdin, out, &errb)
		if code != exitFailure || !strings.Contains(errb.String(), "no echo (1 of 2 messages came back) from ") ||
			strings.Contains(errb.String(), "pings meanwhile") {
			t.Errorf("exit %d, stderr %s; want 1 and the missing echo without the earlier pings", code, errb.String())
		}
	})
}

// watchWriter closes seen once what it was written ends with want.
type watchWriter struct {
	mu   sync.Mutex
	b    bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if strings.HasSuffix(w.b.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

// gatedReader reads r once gate is closed.
type gatedReader struct {
	gate <-chan struct{}
	r    io.Reader
}

func (g *gatedReader) Read(p []byte) (int, error) {
	<-g.gate
	return g.r.Read(p)
}
