package listener_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/internal/testmain"
	"github.com/tlsecho/tlsecho/listener"
)

// TestMain fails the package when a test leaves a goroutine behind: a
// closed Listener has ended its accept loop and every pipeline goroutine.
// The parallel tests mostly wait on handshake timeouts.
func TestMain(m *testing.M) {
	testmain.Parallel(8)
	goleak.VerifyTestMain(m)
}

// ioTimeout bounds every blocking call a test makes.
const ioTimeout = 10 * time.Second

// testCert is one in-memory certificate for 127.0.0.1, shared by the tests.
var testCert = sync.OnceValues(func() (*certs.Generated, error) {
	return certs.Generate(certs.GenerateOptions{Hosts: []string{"127.0.0.1"}})
})

// tlsOptions returns o with the TLS configuration the command uses.
func tlsOptions(tb testing.TB, o listener.Options) listener.Options {
	tb.Helper()
	gen, err := testCert()
	if err != nil {
		tb.Fatal(err)
	}
	o.TLSConfig = certs.NewStatic(gen.Cert).TLSConfig(certs.Options{})
	return o
}

// clientConfig trusts the test certificate.
func clientConfig(tb testing.TB) *tls.Config {
	tb.Helper()
	gen, err := testCert()
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(gen.Cert.Leaf)
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

// listen starts a Listener on 127.0.0.1:0, closed when the test ends.
func listen(tb testing.TB, o listener.Options) *listener.Listener {
	tb.Helper()
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	l := listener.New(tcp, o)
	tb.Cleanup(func() { l.Close() })
	return l
}

// accepted is one result of Accept.
type accepted struct {
	c   net.Conn
	err error
}

// acceptAll runs Accept in a goroutine until it fails, sending each result;
// the connections are closed when the test ends.
func acceptAll(tb testing.TB, l *listener.Listener) <-chan accepted {
	tb.Helper()
	out := make(chan accepted, 100)
	done := make(chan struct{})
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if c != nil {
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
			out <- accepted{c, err}
			if err != nil {
				return
			}
		}
	}()
	tb.Cleanup(func() {
		l.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return out
}

// next waits for the next Accept result.
func next(tb testing.TB, ch <-chan accepted) accepted {
	tb.Helper()
	select {
	case a := <-ch:
		return a
	case <-time.After(ioTimeout):
		tb.Fatal("Accept returned nothing")
		return accepted{}
	}
}

// dialTLS connects and completes a TLS handshake.
func dialTLS(tb testing.TB, addr string, cfg *tls.Config) (*tls.Conn, error) {
	tb.Helper()
	d := &net.Dialer{Timeout: ioTimeout}
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	c, err := (&tls.Dialer{NetDialer: d, Config: cfg}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	tc := c.(*tls.Conn)
	tb.Cleanup(func() { tc.Close() })
	tc.SetDeadline(time.Now().Add(ioTimeout))
	return tc, nil
}

// waitFor polls cond until it holds or within has passed.
func waitFor(tb testing.TB, within time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// testlog.Buffer is a bytes.Buffer the server may log into while the test

// findRecord returns the JSON log record with message msg for peer.
func findRecord(tb testing.TB, logs, msg, peer string) map[string]any {
	tb.Helper()
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			tb.Fatalf("log line is not JSON: %q: %v", sc.Text(), err)
		}
		if rec["msg"] == msg && rec["peer"] == peer {
			return rec
		}
	}
	return nil
}
