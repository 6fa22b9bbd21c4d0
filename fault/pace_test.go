package fault

import (
	"net"
	"slices"
	"testing"
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
