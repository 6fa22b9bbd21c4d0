package listener_test

import (
	"testing"

	"github.com/tlsecho/tlsecho/listener"
)

// TestDrained: inside a step, Drained says so exactly when the next read
// through crypto/tls would fail with ErrNoInput, which the echoes then
// save: never while a complete record is still to be read, in crypto/tls
// or in the socket; and with the start of a record only, whose rest is
// still to come, it does. On Linux, where TCP_INQ tells what a read left.
func TestDrained(t *testing.T) {
	t.Parallel()
	p := newRecordPair(t)
	w := new(listener.InputWait)
	if !w.Init(p.lc) {
		t.Fatal("Init: cannot wait on a TCP socket")
	}
	// Two whole records in one segment, then the same with the first
	// bytes of a third after them.
	for _, tail := range []int{0, 3} {
		p.hold.mu.Lock()
		p.hold.hold = true
		p.hold.mu.Unlock()
		for _, m := range []string{"one", "two", "three"} {
			if _, err := p.client.Write([]byte(m)); err != nil {
				t.Fatal(err)
			}
		}
		recs := p.hold.held()
		third := len(recs) - (5 + len("three") + 16 + 1) // header, data, tag, content type
		if _, err := p.hold.Conn.Write(recs[:third+tail]); err != nil {
			t.Fatal(err)
		}
		waitReadable(t, p.lc, third+tail)
		var got []string
		err := w.Run(func() bool {
			if p.lc.Drained() {
				t.Error("Drained before the step read anything")
			}
			for {
				buf := make([]byte, 64)
				n, err := p.server.Read(buf)
				if err == listener.ErrNoInput {
					t.Errorf("read %q and then met ErrNoInput before Drained said so", got)
					return false
				}
				if err != nil {
					t.Errorf("read: %v", err)
					return false
				}
				p.lc.RecordRead(n, len(buf))
				got = append(got, string(buf[:n]))
				if p.lc.Drained() {
					break
				}
			}
			if n, err := p.server.Read(make([]byte, 64)); err != listener.ErrNoInput {
				t.Errorf("after Drained a read returned %d, %v; want ErrNoInput", n, err)
			}
			return false
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0] != "one" || got[1] != "two" {
			t.Fatalf("with %d bytes of a third record after two: Drained after reading %q, want after \"one\" and \"two\"", tail, got)
		}
		if _, err := p.hold.Conn.Write(recs[third+tail:]); err != nil {
			t.Fatal(err)
		}
		if s := p.read(t); s != "three" {
			t.Fatalf("the third record: read %q", s)
		}
	}
}
