package listener_test

import (
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// flakyListener fails its first accepts the way accept(2) does when the
// process is out of descriptors.
type flakyListener struct {
	net.Listener
	failures atomic.Int32
	err      error
}

func (l *flakyListener) Accept() (net.Conn, error) {
	if l.failures.Add(-1) >= 0 {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", l.err)}
	}
	return l.Listener.Accept()
}

// TestAcceptErrorsBackOff: EMFILE, ENFILE and ECONNABORTED from accept do
// not stop the listener; it waits and accepts again. Any other error ends
// Accept with that error.
func TestAcceptErrorsBackOff(t *testing.T) {
	t.Parallel()
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ECONNABORTED} {
		t.Run(errno.Error(), func(t *testing.T) {
			tcp, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			fl := &flakyListener{Listener: tcp, err: errno}
			fl.failures.Store(5)
			l := listener.New(fl, tlsOptions(t, listener.Options{}))
			defer l.Close()
			got := acceptAll(t, l)

			c, err := dialTLS(t, l.Addr().String(), clientConfig(t))
			if err != nil {
				t.Fatalf("dial after %v: %v", errno, err)
			}
			a := next(t, got)
			if a.err != nil {
				t.Fatalf("Accept after %v: %v", errno, a.err)
			}
			if _, err := a.c.Write([]byte("after the storm")); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, len("after the storm"))
			if _, err := io.ReadFull(c, buf); err != nil {
				t.Fatalf("read through the accepted conn: %v", err)
			}
			if n := fl.failures.Load(); n >= 0 {
				t.Fatalf("only %d of 5 accept failures were seen", 5-n)
			}
		})
	}

	t.Run("fatal error ends Accept", func(t *testing.T) {
		tcp, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		fl := &flakyListener{Listener: tcp, err: syscall.EINVAL}
		fl.failures.Store(1)
		l := listener.New(fl, listener.Options{})
		defer l.Close()
		done := make(chan error, 1)
		go func() {
			_, err := l.Accept()
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, syscall.EINVAL) {
				t.Errorf("Accept = %v, want the EINVAL", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Accept kept going after a fatal accept error")
		}
	})

	t.Run("Close ends Accept", func(t *testing.T) {
		l := listen(t, listener.Options{})
		done := make(chan error, 1)
		go func() {
			_, err := l.Accept()
			done <- err
		}()
		l.Close()
		select {
		case err := <-done:
			if !errors.Is(err, net.ErrClosed) {
				t.Errorf("Accept after Close = %v, want net.ErrClosed", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Accept still blocked after Close")
		}
	})
}
