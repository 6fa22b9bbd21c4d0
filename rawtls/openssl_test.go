package rawtls_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/rawtls"
)

var opensslTests = []struct {
	name string
	args []string
}{
	{name: "default"},
	{name: "TLS 1.2", args: []string{"-tls1_2"}},
}

// TestOpenSSLClient echoes a line through `openssl s_client`, a client
// built on another TLS stack. With -quiet it ignores the end of its input
// and waits for the server, so the server's idle close is what ends it.
func TestOpenSSLClient(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed (apt-get install -y openssl)")
	}
	// The idle timeout ends each run; it must also outlast the pause, on a
	// loaded machine, between openssl's handshake and its sending the line
	// (over a second seen with a load average of 17). The runs go side by
	// side, so the wait is paid once.
	ts := startServer(t, &rawtls.Server{IdleTimeout: 4 * time.Second}, certs.Options{})
	caFile := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(caFile, ts.cert.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	const line = "hello from openssl s_client\n"
	for _, tt := range opensslTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
			defer cancel()
			args := append([]string{"s_client", "-connect", ts.addr, "-quiet",
				"-CAfile", caFile, "-verify_return_error", "-verify_ip", "127.0.0.1"}, tt.args...)
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Stdin = strings.NewReader(line)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("openssl %s: %v\nstderr: %s", strings.Join(args, " "), err, stderr.String())
			}
			if got := stdout.String(); got != line {
				t.Errorf("openssl printed %q, want %q\nstderr: %s", got, line, stderr.String())
			}
		})
	}
}
