package ws

import (
	"testing"
	"time"
)

// gorillaCloseTests are violations that gorilla answers with a close
// frame of its own, not one the server writes.
var gorillaCloseTests = []struct {
	name  string
	frame frame
	code  int
}{
	{"frame over the limit", frame{fin: true, op: opBinary, payload: make([]byte, 64)}, 1009},
	{"unmasked frame", frame{fin: true, op: opBinary, payload: []byte("x"), unmasked: true}, 1002},
}

// TestGorillaCloseCountedOnlyWhenSent: the close code a connection ends
// with (CloseCode, and tlsecho_ws_closes_total with it) is the one the
// client was told. When gorilla's own close frame (1009 for a frame over
// the limit, 1002 for a protocol violation) goes out, that code; when the
// client takes none of it in time, 0, as for any connection that ended
// without a close frame.
func TestGorillaCloseCountedOnlyWhenSent(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		for _, tt := range gorillaCloseTests {
			for _, stalled := range []bool{false, true} {
				name := tt.name
				if stalled {
					name += " with writes stalled"
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					closed := make(chan int, 1)
					ts, sock := stallServer(t, serve, &Server{
						MaxMessageBytes: 16,
						// Far beyond the bounds below: only the violation may
						// end the connection.
						IdleTimeout: time.Minute,
						Hooks:       &Hooks{Closed: func(c *Conn) { closed <- c.CloseCode() }},
					})
					rc, _ := ts.dialRaw(t, nil)
					want := tt.code
					if stalled {
						sock.Load().Stall()
						want = 0
					}
					rc.write(tt.frame)
					if !stalled {
						if code, _ := rc.readClose(); code != tt.code {
							t.Errorf("close %d on the wire, want %d", code, tt.code)
						}
					}
					select {
					case code := <-closed:
						if code != want {
							t.Errorf("close code %d, want %d", code, want)
						}
					case <-time.After(writeWait + 2*ioWait):
						t.Fatal("not closed after the violation")
					}
					if stalled {
						endedByServer(t, rc)
					}
				})
			}
		}
	})
}
