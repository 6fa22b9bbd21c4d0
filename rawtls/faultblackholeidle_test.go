package rawtls_test

import (
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/rawtls"
)

// TestBlackholeHoldsForIdleTimeout: a blackhole holds the socket of a
// client that stays until the idle timeout has passed since it took
// effect, not sooner (README: "until the client closes or
// TLSECHO_IDLE_TIMEOUT").
func TestBlackholeHoldsForIdleTimeout(t *testing.T) {
	t.Parallel()
	const idle = 2 * time.Second
	sp, err := fault.Parse("blackhole@5")
	if err != nil {
		t.Fatal(err)
	}
	applied := make(chan time.Time, 1)
	inj, err := fault.New(fault.Options{Default: sp, Applied: func(string) { applied <- time.Now() }})
	if err != nil {
		t.Fatal(err)
	}
	ended := make(chan time.Time, 1)
	srv := &rawtls.Server{IdleTimeout: idle, Faults: inj,
		Hooks: &rawtls.Hooks{Closed: func(*rawtls.Conn) { ended <- time.Now() }}}
	ts := startServerWith(t, srv, listener.Options{Faults: inj}, certs.Options{})
	c := ts.mustDial(t, ts.clientConfig())
	if err := echo(c, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	var at time.Time
	select {
	case at = <-applied:
	case <-time.After(ioTimeout):
		t.Fatal("blackhole@5 was not applied")
	}
	select {
	case end := <-ended:
		// The hold starts just after the verb is applied: a margin
		// well below the idle timeout, above any lateness of the hook.
		if held := end.Sub(at); held < idle*3/4 {
			t.Errorf("the blackhole held the socket %v, want the idle timeout %v", held.Round(time.Millisecond), idle)
		}
	case <-time.After(idle + ioTimeout):
		t.Fatalf("the blackhole still holds the socket %v after the idle timeout", ioTimeout)
	}
}
