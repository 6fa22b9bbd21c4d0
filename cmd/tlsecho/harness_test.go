package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/testlog"
)

// testApp is a whole tlsecho server running in this process on loopback
// port 0, built by the same newApp/listen/serve as the real command.
type testApp struct {
	*app
	TLSAddr, HTTPSAddr, AdminAddr string // bound addresses, 127.0.0.1:port
	HTTPAddr                      string // the plain HTTP listener, when on
	Log                           *testlog.Buffer
	cancel                        context.CancelFunc
	done                          chan error
}

// startApp runs the server with the given TLSECHO_* variables (names
// without the prefix) on top of loopback port-0 defaults, and stops it
// when the test ends.
func startApp(t testing.TB, vars map[string]string) *testApp {
	t.Helper()
	return startAppWith(t, vars, nil)
}

// startAppWith is startApp with change, when not nil, applied to the app
// after it is built and before it serves.
func startAppWith(t testing.TB, vars map[string]string, change func(*app)) *testApp {
	t.Helper()
	environ := []string{
		"TLSECHO_TLS_ADDR=127.0.0.1:0",
		"TLSECHO_HTTPS_ADDR=127.0.0.1:0",
		"TLSECHO_ADMIN_ADDR=127.0.0.1:0",
		"TLSECHO_LOG_LEVEL=debug",
		"TLSECHO_SHUTDOWN_TIMEOUT=3s",
	}
	for k, v := range vars {
		environ = append(environ, envPrefix+k+"="+v)
	}
	cfg, err := loadConfig(environ)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	logBuf := &testlog.Buffer{}
	a, err := newApp(cfg, newLogger(cfg, logBuf))
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	if change != nil {
		change(a)
	}
	if err := a.listen(); err != nil {
		t.Fatalf("listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ta := &testApp{app: a, Log: logBuf, cancel: cancel, done: make(chan error, 1)}
	ta.TLSAddr = a.tlsLn.Addr().String()
	ta.HTTPSAddr = a.httpsLn.Addr().String()
	if a.adminLn != nil {
		ta.AdminAddr = a.adminLn.Addr().String()
	}
	if a.plainLn != nil {
		ta.HTTPAddr = a.plainLn.Addr().String()
	}
	go func() { ta.done <- a.serve(ctx) }()
	t.Cleanup(func() { ta.Stop(t) })
	return ta
}

// Stop shuts the server down gracefully and waits for it; calling it
// twice is harmless.
func (ta *testApp) Stop(t testing.TB) {
	t.Helper()
	ta.cancel()
	select {
	case err, ok := <-ta.done:
		if !ok {
			return
		}
		if err != nil {
			t.Errorf("serve: %v", err)
		}
		close(ta.done)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop within 10s")
	}
}

// clientTLS trusts the running server's current certificate.
func (ta *testApp) clientTLS() *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(ta.src.Leaf())
	return &tls.Config{RootCAs: pool, ServerName: "localhost"}
}

// echoOnce dials the raw TLS port, sends msg and checks the echo.
func (ta *testApp) echoOnce(t testing.TB, cfg *tls.Config, msg string) {
	t.Helper()
	d := &net.Dialer{Timeout: 5 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", ta.TLSAddr, cfg)
	if err != nil {
		t.Fatalf("dial %s: %v", ta.TLSAddr, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatalf("write: %v", err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read echo: %v", err)
	}
	if string(got) != msg {
		t.Fatalf("echo = %q, want %q", got, msg)
	}
}

func TestAppServesBothPorts(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	ta.echoOnce(t, ta.clientTLS(), "hello over raw TLS\n")
	if !strings.Contains(ta.Log.String(), "tlsecho serving") {
		t.Errorf("no start line in log:\n%s", ta.Log.String())
	}
}
