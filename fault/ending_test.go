package fault

import (
	"testing"
	"time"
)

// TestFiredVerbStopsEchoesBeforeItActs: a terminal verb that has fired
// and waits for the write in progress lets no echo start after that
// write, whichever goroutine takes the write lock first, and takes effect
// once the write ends. (The Go mutex hands a lock waited on for more than
// a millisecond to its waiter, which hides a missing check in most runs
// over the network; here the test holds the lock itself.)
func TestFiredVerbStopsEchoesBeforeItActs(t *testing.T) {
	fired := make(chan string, 1)
	in, err := New(Options{Applied: func(verb string) { fired <- verb }})
	if err != nil {
		t.Fatal(err)
	}
	spec, err := Parse("close@20ms")
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	s := in.Start(spec, ConnInfo{Opened: time.Now()}, Target{Close: func(int, string) { close(closed) }})
	defer s.Stop()

	s.wmu.Lock() // an echo's write in progress
	select {
	case v := <-fired:
		if v != "close" {
			t.Fatalf("%s fired, want close", v)
		}
	case <-time.After(5 * time.Second):
		s.wmu.Unlock()
		t.Fatal("close@20ms has not fired")
	}
	quiet := false
	for deadline := time.Now().Add(time.Second); !quiet && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		quiet = s.quiet()
	}
	select {
	case <-closed:
		t.Error("the close took effect inside the write in progress")
	default:
	}
	s.wmu.Unlock()
	if !quiet {
		t.Error("an echo may still start after the close fired, while it waits for the write in progress")
	}
	select {
	case <-s.acted:
	case <-time.After(5 * time.Second):
		t.Fatal("the close did not take effect once the write ended")
	}
	select {
	case <-closed:
	default:
		t.Error("acted is closed, but the close was not sent")
	}
}
