package ws

import (
	"testing"

	"github.com/tlsecho/tlsecho/fault"
)

// TestFaultBareCloseSends1000: close without a code ends a /ws
// connection with 1000 (normal closure) right after the N-th echo, and
// the reason the spec gives goes out with its code.
func TestFaultBareCloseSends1000(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		spec   string
		code   int
		reason string
	}{
		{"close@1", 1000, ""},
		{"close:4001:bye@1", 4001, "bye"},
	} {
		t.Run(tt.spec, func(t *testing.T) {
			t.Parallel()
			ts, _, closed := faultMemoryServer(t, startServerVia, fault.DefaultMemory)
			ts.query = "?fault=" + tt.spec
			rc, _ := ts.dialRaw(t, nil)
			rc.write(frame{fin: true, op: opText, payload: []byte("hi")})
			if got := rc.mustEcho(true); string(got) != "hi" {
				t.Fatalf("echo %q, want hi", got)
			}
			code, reason := rc.readClose()
			if code != tt.code || reason != tt.reason {
				t.Fatalf("server closed with %d %q, want %d %q", code, reason, tt.code, tt.reason)
			}
			rc.conn.Write(frame{fin: true, op: opClose, payload: closePayload(code, "")}.encode())
			rc.expectEnd()
			if got := awaitClosed(t, closed, 1)[0]; got != tt.code {
				t.Errorf("the connection ended with code %d, want %d", got, tt.code)
			}
		})
	}
}
