package listener_test

import (
	"testing"
	"time"
)

// TestRunEmptyRead: a read into no room during the step returns nothing
// and no error, as net.Conn's Read does, and takes nothing: the next
// read returns all the input. It once panicked (readLeft took &p[0]).
func TestRunEmptyRead(t *testing.T) {
	t.Parallel()
	lc, w, client := waitConn(t)
	lc.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := client.Write([]byte("whole")); err != nil {
		t.Fatal(err)
	}
	var got []byte
	err := w.Run(func() bool {
		if n, err := lc.Read(nil); n != 0 || err != nil {
			t.Errorf("an empty read: %d, %v; want 0, nil", n, err)
		}
		buf := make([]byte, 64)
		n, err := lc.Read(buf)
		got = buf[:n]
		if err != nil {
			t.Errorf("read: %v", err)
		}
		return false
	})
	if err != nil || string(got) != "whole" {
		t.Fatalf("Run: %v; the step read %q; want \"whole\"", err, got)
	}
}
