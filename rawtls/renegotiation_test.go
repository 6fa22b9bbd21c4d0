package rawtls_test

import (
	"context"
	"log/slog"
	"os/exec"
	"strings"
	"testing"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/internal/sclient"
	"github.com/tlsecho/tlsecho/internal/testlog"
	"github.com/tlsecho/tlsecho/rawtls"
)

var renegotiationTests = []struct {
	name string
	args []string
}{
	{name: "secure", args: []string{"-tls1_2"}},
	{name: "legacy", args: []string{"-tls1_2", "-legacy_renegotiation"}},
}

// TestRenegotiationRefusedInWords: `openssl s_client`'s R command asks a
// TLS 1.2 server to renegotiate. crypto/tls cannot renegotiate as a
// server and ends the connection with an unexpected_message alert; the
// bytes sent before are echoed first, and the debug log says in words
// that the client asked to renegotiate, where it read "received
// unexpected handshake message of type *tls.clientHelloMsg when waiting
// for *tls.helloRequestMsg".
func TestRenegotiationRefusedInWords(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed (apt-get install -y openssl)")
	}
	for _, tt := range renegotiationTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logs := &testlog.Buffer{}
			ts := startServer(t, &rawtls.Server{Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))},
				certs.Options{})
			ctx, cancel := context.WithTimeout(context.Background(), 3*ioTimeout)
			defer cancel()
			sc := sclient.Start(t, ctx, bin, append([]string{"-connect", ts.addr}, tt.args...)...)
			// The session's summary ends with this line; the echo comes
			// after it.
			sc.WaitLine(`"---"`, func(l string) bool { return l == "---" })
			sc.Send("before renegotiation\n")
			sc.WaitLine("the echo", func(l string) bool { return l == "before renegotiation" })
			sc.Send("R\n")
			// openssl says RENEGOTIATING on stderr, then ends on the alert,
			// closing its stdout.
			sc.Wait(func(l string) { t.Logf("openssl: %s", l) })
			if !strings.Contains(sc.Stderr.String(), "RENEGOTIATING") {
				t.Fatalf("openssl did not renegotiate\nstderr: %s", sc.Stderr.String())
			}

			waitFor(t, ioTimeout, "the connection's end in the log", func() bool {
				return len(logs.Records(t, "connection ended")) == 1
			})
			rec := logs.Records(t, "connection ended")[0]
			errText, _ := rec["err"].(string)
			const want = "client asked to renegotiate (a ClientHello after the TLS 1.2 handshake), " +
				"which this server does not do: connection ended with an unexpected_message alert"
			if errText != want {
				t.Errorf("connection ended with err %q\nwant %q", errText, want)
			}
			if rec["read"] != rec["written"] || rec["read"] != float64(len("before renegotiation\n")) {
				t.Errorf("read %v, written %v; want both %d", rec["read"], rec["written"], len("before renegotiation\n"))
			}
			waitFor(t, ioTimeout, "the connection to be let go", func() bool { return ts.srv.Active() == 0 })
		})
	}
}
