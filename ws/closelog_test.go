package ws

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/gorilla/websocket"
)

// closeLogErrs are errors a connection ends with: a client's close, a
// reset, and crypto/tls's refusal of a renegotiation, whose words Ended
// rewrites.
var closeLogErrs = []struct {
	name string
	err  error
}{
	{"client close", &websocket.CloseError{Code: websocket.CloseNormalClosure, Text: "bye"}},
	{"reset", &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}},
	{"renegotiation", errors.New("local error: tls: received unexpected handshake message of type *tls.clientHelloMsg when waiting for *tls.helloRequestMsg")},
}

// TestCloseLogCostsNothingUnlogged: at the default info level, where the
// debug record of a connection's end is dropped, writing it costs no
// allocation: the words of the error that ended it (its message, which
// Ended may rewrite) are not built for nobody. At debug level the record
// is written, with the words. Not parallel: AllocsPerRun counts the
// whole process's allocations.
func TestCloseLogCostsNothingUnlogged(t *testing.T) {
	for _, tc := range closeLogErrs {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			c := &Conn{srv: &Server{Logger: slog.New(slog.NewTextHandler(&buf, nil))}, remote: "127.0.0.1:1", code: websocket.CloseNormalClosure}
			if n := testing.AllocsPerRun(100, func() { c.logClosed(tc.err) }); n != 0 {
				t.Errorf("%.0f allocations per close at info level, want 0", n)
			}
			if buf.Len() != 0 {
				t.Errorf("written at info level: %s", buf.String())
			}

			// A new Server: its fields do not change once it serves.
			c.srv = &Server{Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}
			c.logClosed(tc.err)
			if !bytes.Contains(buf.Bytes(), []byte(`msg="websocket closed" peer=127.0.0.1:1 code=1000 err=`)) {
				t.Errorf("record at debug level: %s", buf.String())
			}
		})
	}
}
