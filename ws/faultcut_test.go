package ws

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/fault"
)

// cutBound is how late after its time a timed fin may end a connection
// whose echo is blocked writing: the wait for that write (250 ms), the
// discard of the client's last bytes (250 ms), and room for a loaded
// machine.
const cutBound = 3 * time.Second

// TestTimedFinNotTaken: fin@2s on a connection whose echo is blocked
// writing to a client that reads nothing ends it at its time, not when
// the rule for writes not taken does (IdleTimeout, a minute here): fin
// used to wait for the write in progress, which a client that reads
// nothing never lets end. The client finds the end.
func TestTimedFinNotTaken(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		in, err := fault.New(fault.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s, closed := closingServer(in, 8<<10)
		ts := serve(t, s, nil)
		dialed := time.Now()
		c, _, err := smallWindowDialer(ts).Dial(ts.url+"?fault=fin@2s", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// 256 KiB fill the client's 4 KiB window and the server's 8 KiB
		// send buffer many times over.
		c.SetWriteDeadline(time.Now().Add(messageWait(256 << 10)))
		if err := c.WriteMessage(websocket.BinaryMessage, binaryOfSize(256<<10)); err != nil {
			t.Fatal(err)
		}
		// Active falls to 0 when the fin came before the echo blocked.
		deadline := time.Now().Add(4 * ioWait)
		for !s.allWriting(1) && s.Active() == 1 {
			if time.Now().After(deadline) {
				t.Fatal("the handler never wrote")
			}
			time.Sleep(5 * time.Millisecond)
		}
		at := dialed.Add(2 * time.Second)
		if time.Now().After(at) || s.Active() == 0 {
			t.Skip("the echo blocked after the fin's time, on a loaded machine: nothing to cut")
		}
		select {
		case code := <-closed:
			took := time.Since(at)
			t.Logf("closed %v after the fin's time", took.Round(time.Millisecond))
			if took > cutBound {
				t.Errorf("closed %v after the fin's time, want within %v", took.Round(time.Millisecond), cutBound)
			}
			if code != 0 {
				t.Errorf("close code %d, want 0: fin sends no close frame", code)
			}
		case <-time.After(time.Until(at) + cutBound + ioWait):
			t.Fatalf("still open %v after the fin's time", cutBound+ioWait)
		}
		if !closedByServer(c) {
			t.Error("the client's connection is still open")
		}
	})
}

// TestTimedVerbCutsPacedEcho: fin@500ms and blackhole@500ms act at their
// time on a client that reads a paced echo as it comes, not once the
// echo has gone out whole (2 s at the rate): the echo is cut short, and
// then fin's FIN ends the connection, blackhole's silence leaves it
// open. Both used to wait for the write in progress, however long the
// pacing made it.
func TestTimedVerbCutsPacedEcho(t *testing.T) {
	t.Parallel()
	// The echo would come whole 2 s after it began.
	const rate, size = 64 << 10, 128 << 10
	for _, tc := range []struct {
		spec string
		// fin: the end, gorilla's 1006 for a FIN without a close frame,
		// or over TLS crypto/tls's unexpected EOF for a FIN inside a
		// record.
		fin bool
	}{
		{spec: "bw:64KiB,fin@500ms", fin: true},
		{spec: "bw:64KiB,blackhole@500ms"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			t.Parallel()
			eachTransport(t, func(t *testing.T, serve startFunc) {
				in, err := fault.New(fault.Options{})
				if err != nil {
					t.Fatal(err)
				}
				ts := serve(t, &Server{Faults: in, IdleTimeout: time.Minute, PingInterval: time.Minute}, nil)
				ts.url += "?fault=" + tc.spec
				c, _ := ts.dial(t, nil, nil)
				c.SetWriteDeadline(time.Now().Add(ioWait))
				if err := c.WriteMessage(websocket.BinaryMessage, binaryOfSize(size)); err != nil {
					t.Fatal(err)
				}
				sent := time.Now()
				// The read waits well past the echo's end: a message read
				// whole is one the verb did not cut.
				c.SetReadDeadline(sent.Add(time.Duration(size/rate)*time.Second + 1500*time.Millisecond))
				_, got, err := c.ReadMessage()
				took := time.Since(sent)
				if err == nil {
					t.Fatalf("the echo came whole (%d bytes) %v after it was sent: the verb did not cut it", len(got), took.Round(time.Millisecond))
				}
				var ce *websocket.CloseError
				var ne net.Error
				switch {
				case tc.fin && !(errors.As(err, &ce) && ce.Code == websocket.CloseAbnormalClosure) && !errors.Is(err, io.ErrUnexpectedEOF):
					t.Errorf("read ended %v after the message was sent with %v, want the FIN (1006)", took.Round(time.Millisecond), err)
				case tc.fin && took > time.Second+cutBound:
					t.Errorf("the FIN came %v after the message was sent, want within %v of fin's time", took.Round(time.Millisecond), cutBound)
				case !tc.fin && !(errors.As(err, &ne) && ne.Timeout()):
					t.Errorf("read ended %v after the message was sent with %v, want silence until the deadline", took.Round(time.Millisecond), err)
				}
			})
		})
	}
}
