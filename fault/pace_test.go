package fault

import (
	"net"
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
