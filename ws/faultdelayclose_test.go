package ws

import (
	"bytes"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/fault"
)

// TestFaultDelayNoEchoAfterClose: echoes that delay holds when a close
// verb acts are never sent: not after a timed close that fires while they
// wait for their time, nor after close@N, counted when the N-th held echo
// goes out, with more held behind it. No data frame may follow a close
// (RFC 6455 section 5.5.1); the delay's queue sends on its own goroutine,
// while the echo's reader waits for the client, so only the write's own
// check stops it (and under frag, whose frames gorilla does not see,
// nothing else).
func TestFaultDelayNoEchoAfterClose(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, spec string
		echoes     int // whole echoes before the close
	}{
		{"timed", "delay:1s,close:4000@300ms", 0},
		{"counted", "delay:200ms,close:4000@2", 2},
		// frag's frames go out by WriteFrame, past gorilla, which
		// refuses a message after its close itself.
		{"timed frag", "delay:1s,frag:40,close:4000@300ms", 0},
		{"counted frag", "delay:200ms,frag:40,close:4000@2", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			eachTransport(t, func(t *testing.T, serve startFunc) {
				ts, budget, closed := faultMemoryServer(t, serve, fault.DefaultMemory)
				ts.query = "?fault=" + tt.spec
				rc, _ := ts.dialRaw(t, nil)
				var msgs []frame
				for i := range 5 {
					msgs = append(msgs, frame{fin: true, op: opBinary, payload: binaryOfSize(100 + i)})
				}
				rc.write(msgs...)
				for i := range tt.echoes {
					if _, _, got := rc.readMessage(); !bytes.Equal(got, msgs[i].payload) {
						t.Fatalf("echo %d: %d bytes, want the %d sent", i+1, len(got), len(msgs[i].payload))
					}
				}
				if code, reason := rc.readClose(); code != 4000 {
					t.Fatalf("closed with %d %q, want 4000", code, reason)
				}
				// The held echoes' time passes before the client answers:
				// none of them may come.
				rc.wait = 1500 * time.Millisecond
				for {
					f, err := rc.readFrame()
					if err != nil {
						break // the wait passed
					}
					if f.op < opClose {
						t.Fatalf("%v after the close, which nothing may follow", f)
					}
				}
				rc.wait = 0
				rc.write(frame{fin: true, op: opClose, payload: closePayload(4000, "")})
				rc.expectEnd()
				if code := awaitClosed(t, closed, 1)[0]; code != 4000 {
					t.Errorf("the connection ended with code %d, want 4000", code)
				}
				wantNoneHeld(t, budget, "the connection ended")
			})
		})
	}
}
