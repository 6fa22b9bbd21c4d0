package ws

import (
	"crypto/tls"
	"log/slog"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/testlog"
	"github.com/tlsecho/tlsecho/internal/tlsrecord"
)

// TestKeyUpdateAnswerCutByPing: a TLS 1.3 client that asks for key
// updates (update_requested) and reads nothing. crypto/tls answers each
// inside the read that takes it; once the buffers are full the answer's
// write waits, inside the reader's Read, where the keepalive's ping, which
// sets the socket's write deadline, cuts it. crypto/tls then goes on
// reading with the key it should have left behind, and fails on the
// client's next record with "bad record MAC": the connection's end read
// as a client that sent a corrupt record, where it was one that took none
// of what was sent. The end must say that a write failed first.
//
// The client sends, in batches, rounds of 15 requests (crypto/tls takes
// at most 16 handshake messages in a row without data) and a pong, a
// whole frame that asks for no answer: the reader then writes nothing of
// its own, so the only write waiting is crypto/tls's.
func TestKeyUpdateAnswerCutByPing(t *testing.T) {
	t.Parallel()
	var logs testlog.Buffer
	small := func(c net.Conn) net.Conn {
		c.(*net.TCPConn).SetWriteBuffer(4 << 10)
		return c
	}
	ts := startServerVia(t, &Server{PingInterval: testPingInterval,
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}, small)
	const clients = 4
	var wg sync.WaitGroup
	for range clients {
		d := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
			return rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10) })
		}}
		sc := dialSealed(t, ts, tls.VersionTLS13, d)
		w, err := tlsrecord.New13(sc.tcp, sc.keys)
		if err != nil {
			t.Fatal(err)
		}
		sc.upgrade(t, ts, w.Data)
		pong := frame{fin: true, op: opPong}.encode()
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc.tcp.SetWriteDeadline(time.Now().Add(ioWait))
			w.FloodKeyUpdates(sc.tcp, pong)
		}()
	}
	deadline := time.Now().Add(ioWait + 4*testPingInterval)
	var closed []map[string]any
	for closed = logs.Records(t, "websocket closed"); len(closed) < clients; closed = logs.Records(t, "websocket closed") {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d clients ended within %v:\n%s", len(closed), clients, ioWait, logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	wg.Wait()
	for _, r := range closed {
		if got, _ := r["err"].(string); strings.Contains(got, "bad record MAC") && !strings.HasPrefix(got, "a write to the client failed first (write tcp ") {
			t.Errorf("a client that took none of the answers to its key updates is logged as sending a corrupt record: %q", got)
		}
	}
}
