package ws

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/listener"
)

// slowPongBuffer is the server's send buffer in
// TestPongWaitsForSlowReader (the kernel doubles it): a write waiting for
// room is woken only once a good part of it has drained, which at
// slowPongRate takes far longer than writeWait.
const slowPongBuffer = 128 << 10

// slowPongRate is how many pongs a second the slow reader takes: about
// 2 KiB/s, through its 4 KiB receive buffer a window update every two
// seconds or so, well inside listener.TakeWait.
const slowPongRate = 16

// TestPongWaitsForSlowReader: a client that sent pings faster than it
// read the pongs, and then reads them steadily but slowly, keeps its
// connection while a pong waits for room longer than writeWait. The pong
// had a flat writeWait: Linux wakes a write waiting for room only once a
// good part of the send buffer has drained, so through a small window
// the pong was cut (close code 0, "i/o timeout") while the client was
// still reading, 10 s after it began to wait. A pong is held to what the
// client takes, as the server's other waits for it are.
func TestPongWaitsForSlowReader(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		s, rc, closed, lastWrite := pingedServer(t, serve, slowPongBuffer)

		var sent atomic.Int64
		stop := make(chan struct{})
		wrote := make(chan error, 1)
		go func() { wrote <- sendPings(rc, stop, &sent, 2*time.Minute) }()
		waitAllWriting(t, s, 1, "the server's pongs never waited for the client")
		// The client reads steadily, slowly, from the start, while its
		// pings come faster: the server's buffer fills, and then a pong
		// waits, its write begun a while ago and still in progress.
		// Before, the client began to read only then, when the server
		// may have seen it take nothing for seconds already: on a loaded
		// machine filling the buffer takes that long. Each step reads
		// the pongs due at slowPongRate since the reading began, so a
		// reader the machine held back catches up.
		giveUp := time.After(time.Minute)
		var began time.Time
		var got int64
		var gap time.Duration // the longest time between two reads
		start, lastRead := time.Now(), time.Now()
		for began.IsZero() || time.Now().Before(began.Add(writeWait+2*time.Second)) {
			select {
			case code := <-closed:
				if gap >= listener.TakeWait/2 {
					// The client itself took nothing for that long: the
					// server's cut may be its rule's, and says nothing.
					t.Skipf("the client read nothing for %v: connection closed (code %d), not judged", gap.Round(time.Millisecond), code)
				}
				if began.IsZero() {
					t.Fatalf("connection closed (code %d) while its pongs piled up, %d read", code, got)
				}
				t.Fatalf("connection closed (code %d) %v after its pong began to wait, while its client read (%d pongs so far, %d a second)",
					code, time.Since(began).Round(time.Millisecond), got, slowPongRate)
			case <-giveUp:
				if began.IsZero() {
					t.Fatalf("the server's pongs did not stop going out within a minute, %d pings sent", sent.Load())
				}
			default:
			}
			last := lastWrite()
			switch {
			case !began.IsZero():
				if !last.Equal(began) {
					t.Fatalf("the waiting write ended after %v, before writeWait: the reader is too fast for the test", last.Sub(began).Round(time.Millisecond))
				}
			case !last.IsZero() && time.Since(last) >= 500*time.Millisecond && s.allWriting(1):
				began = last
				close(stop)
			}
			for due := int64(time.Since(start)*slowPongRate/time.Second) + 1; got < due; got++ {
				readPong(t, rc, &sent, got)
				now := time.Now()
				gap, lastRead = max(gap, now.Sub(lastRead)), now
			}
			time.Sleep(time.Second / slowPongRate)
		}
		t.Logf("a pong waited %v while its client read %d pongs", time.Since(began).Round(time.Millisecond), got)

		// The rest, at full speed.
		readPongs(t, rc, &sent, wrote, got)
		select {
		case code := <-closed:
			t.Fatalf("connection closed (code %d) though its client read every pong", code)
		default:
		}
		rc.expectEchoOrClose([]frame{{fin: true, op: opText, payload: []byte("after the slow read")}}, 0)
		rc.write(frame{fin: true, op: opClose, payload: closePayload(websocket.CloseNormalClosure, "")})
		if code, reason := rc.readClose(); code != websocket.CloseNormalClosure {
			t.Fatalf("close %d %q, want %d", code, reason, websocket.CloseNormalClosure)
		}
		rc.expectEOF()
	})
}
