package ws

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// TestBusyWaitServes: a busy connection's wait echoes the messages that
// arrive whole itself (readyEcho), inside listener.InputWait.Run, and
// leaves anything else to gorilla: several messages in one record, a
// ping before a message and one after it, a message in two records, a
// close behind a message. Each is answered as the echo always answers it,
// and the connection goes back to waiting in Run.
func TestBusyWaitServes(t *testing.T) {
	t.Parallel()
	s, conns := opened(&Server{})
	ts := startServer(t, s)
	rc, _ := ts.dialRaw(t, nil)
	c := <-conns
	bin := func(s string) frame { return frame{fin: true, op: opBinary, payload: []byte(s)} }
	expect := func(msgs ...string) {
		t.Helper()
		for _, m := range msgs {
			if op, _, got := rc.readMessage(); op != opBinary || !bytes.Equal(got, []byte(m)) {
				t.Fatalf("got op %#x %q, want the echo of %q", op, got, m)
			}
		}
	}
	pong := func(payload string) {
		t.Helper()
		if f := rc.mustFrame(); f.op != opPong || string(f.payload) != payload {
			t.Fatalf("got %v %q, want the pong to ping %q", f, f.payload, payload)
		}
	}
	serving := func(after string) {
		t.Helper()
		if g := waitsOnSocket(t, c); !strings.Contains(g, "listener.(*InputWait).Run(") {
			t.Fatalf("after %s the connection waits, but not in a wait that serves:\n%s", after, g)
		}
	}
	for i := range busyWaits + 2 {
		m := fmt.Sprintf("message %d", i)
		rc.write(bin(m))
		expect(m)
	}
	serving("a busy connection's messages")

	rc.write(bin("one"), bin("two"), bin("three"))
	expect("one", "two", "three")
	serving("three messages in one record")

	rc.write(frame{fin: true, op: opPing, payload: []byte("before")}, bin("after the ping"))
	pong("before")
	expect("after the ping")
	serving("a ping and a message in one record")

	rc.write(bin("before the ping"), frame{fin: true, op: opPing, payload: []byte("after")})
	expect("before the ping")
	pong("after")
	// gorilla takes a control frame only as it looks for the next
	// message, and waits for that inside its reader.
	rc.write(bin("next"))
	expect("next")
	serving("a message and a ping in one record")

	rc.write(frame{fin: false, op: opBinary, payload: []byte("first half, ")})
	rc.write(frame{fin: true, op: opCont, payload: []byte("second half")})
	expect("first half, second half")
	serving("a message in two records")

	rc.write(bin("last"), frame{fin: true, op: opClose, payload: closePayload(1000, "done")})
	expect("last")
	rc.expectClose(1000)
}
