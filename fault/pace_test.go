package fault

import (
	"errors"
	"net"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"
)

// nopConn is a net.Conn whose writes cost nothing, to see the throttle's
// own cost.
type nopConn struct{ net.Conn }

func (nopConn) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkThrottleUnset is what every write of a connection without bw
// pays for the slot, beside a plain write: run with -bench Throttle and
// compare the two.
func BenchmarkThrottleUnset(b *testing.B) {
	var c net.Conn = nopConn{}
	p := make([]byte, 1024)
	b.Run("plain", func(b *testing.B) {
		for range b.N {
			c.Write(p)
		}
	})
	b.Run("throttle", func(b *testing.B) {
		var t Throttle
		for range b.N {
			t.Write(c, p)
		}
	})
}

// recordConn records the size of each write.
type recordConn struct {
	net.Conn
	sizes []int
}

func (c *recordConn) Write(p []byte) (int, error) {
	c.sizes = append(c.sizes, len(p))
	return len(p), nil
}

// TestPacerWholeSegments: a slow rate is paced in pieces of at least
// 1 KiB, as a slow link delivers whole segments, not in twentieths of a
// second (204 bytes at 4 KiB/s). Linux grows the receive buffer of a
// client that does not read to hold tiny segments instead of closing its
// window, so such a client went on taking a paced echo and was never
// seen to stop.
func TestPacerWholeSegments(t *testing.T) {
	t.Parallel()
	p := NewPacer(4 << 10)
	c := &recordConn{}
	if _, err := p.Write(c, make([]byte, 2<<10)); err != nil {
		t.Fatal(err)
	}
	if want := []int{1 << 10, 1 << 10}; !slices.Equal(c.sizes, want) {
		t.Errorf("2 KiB at 4 KiB/s written in pieces of %v, want %v", c.sizes, want)
	}
}

// TestPacerWaitEnds: a paced write waiting for its next piece's time ends
// at once, with nothing more written, when its connection is closed
// (Throttle.Close, from listener.Conn.Close) or its write deadline is set
// in the past (blackhole cutting the write). It used to sleep the wait
// out: up to a second a piece at bw:1KiB, for which a shutdown that had
// closed every socket at its deadline waited on. At 1 B/s, as here, the
// first piece's time is 17 minutes away.
func TestPacerWaitEnds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		end  func(*Throttle)
		want error
	}{
		{"closed", (*Throttle).Close, net.ErrClosed},
		{"deadline passed", func(th *Throttle) { th.Deadline(time.Now().Add(-time.Second)) }, os.ErrDeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var th Throttle
			p := NewPacer(1)
			th.Set(p)
			c := &recordConn{}
			done := make(chan error, 1)
			go func() {
				_, err := th.Write(c, make([]byte, 10))
				done <- err
			}()
			// The write holds the pacer's lock from its start: once the
			// lock is taken, it is on its way to the wait.
			for p.mu.TryLock() {
				p.mu.Unlock()
				runtime.Gosched()
			}
			tt.end(&th)
			select {
			case err := <-done:
				if !errors.Is(err, tt.want) || len(c.sizes) != 0 {
					t.Errorf("the write ended with %v after writes of %v, want %v and none", err, c.sizes, tt.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the write still waits for its piece's time 10 s after the end")
			}
		})
	}
}

// TestThrottleClosedBeforeSet: a pacer set after the connection's Close
// (a bw fault taking effect at @D as the connection closes) is closed
// too: its first write returns at once.
func TestThrottleClosedBeforeSet(t *testing.T) {
	t.Parallel()
	var th Throttle
	th.Close()
	th.Set(NewPacer(1))
	c := &recordConn{}
	if _, err := th.Write(c, make([]byte, 10)); !errors.Is(err, net.ErrClosed) || len(c.sizes) != 0 {
		t.Errorf("write after Close: %v, writes %v; want %v and none", err, c.sizes, net.ErrClosed)
	}
}
