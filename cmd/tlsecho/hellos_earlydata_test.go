package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
)

// TestHellosEarlyDataRefusedInWords: a client that resumes with a ticket
// allowing early data (here one of `openssl s_server -early_data`) and
// offers 0-RTT is refused by crypto/tls with an unsupported_extension
// alert, where RFC 8446 section 4.2.10 has the early data declined and
// the handshake go on. /hellos and the debug log say so, and what to do,
// where they read "client sent unexpected early data"; the failure
// counts as one.
func TestHellosEarlyDataRefusedInWords(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	dir := t.TempDir()
	sess := filepath.Join(dir, "session.pem")
	otherServerTicket(t, bin, dir, sess)
	early := filepath.Join(dir, "early.txt")
	if err := os.WriteFile(early, []byte("sent as early data\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	ta := startApp(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "s_client", "-connect", ta.TLSAddr, "-servername", "localhost",
		"-sess_in", sess, "-early_data", early)
	cmd.Stdin = strings.NewReader("")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "unsupported extension") {
		t.Fatalf("openssl: %v, want it refused with unsupported_extension\n%s", err, out)
	}

	const want = "client offered early data (0-RTT), which crypto/tls refuses with an unsupported_extension alert " +
		"rather than declining it (RFC 8446 section 4.2.10); this server's tickets never allow early data, " +
		"so the client holds another server's ticket and must connect again without early data"
	got := waitHellos(t, ta, "?listener=tls", 1)
	if len(got) != 1 || got[0].Outcome != want || got[0].Resumed {
		t.Errorf("/hellos = %+v\nwant one entry with outcome %q", got, want)
	}
	if log := ta.Log.String(); !strings.Contains(log, want) || strings.Contains(log, "unexpected early data") {
		t.Errorf("the debug log does not say it in words:\n%s", log)
	}
	if body := scrapeMetrics(t, http.DefaultClient, ta.AdminAddr); !strings.Contains(body, `tlsecho_tls_handshake_failures_total{listener="tls"} 1`+"\n") {
		t.Errorf("the refused handshake is not counted as a failure")
	}
}

// otherServerTicket saves into sess a TLS 1.3 session of `openssl
// s_server -early_data`, whose ticket allows early data, as tlsecho's
// never do. s_server prints what it receives and sends what it reads:
// relaying the client's line back tells the client, when the line
// comes, that the ticket, sent before it, has arrived.
func otherServerTicket(t *testing.T, bin, dir, sess string) {
	t.Helper()
	gen, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "other-cert.pem"), filepath.Join(dir, "other-key.pem")
	if err := os.WriteFile(certFile, gen.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, gen.KeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv := exec.CommandContext(ctx, bin, "s_server", "-accept", "127.0.0.1:0", "-cert", certFile, "-key", keyFile,
		"-early_data", "-naccept", "1")
	stdin, err := srv.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Wait()
	defer srv.Process.Kill()
	sc := bufio.NewScanner(stdout)
	var addr string
	for addr == "" && sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "ACCEPT "); ok {
			addr = a
		}
	}
	if addr == "" {
		t.Fatalf("openssl s_server did not say where it listens: %v", sc.Err())
	}
	const line = "a line for the ticket"
	go func() {
		for sc.Scan() {
			if sc.Text() == line {
				io.WriteString(stdin, line+"\n")
			}
		}
	}()
	out := opensslEcho(t, bin, line, "s_client", "-connect", addr, "-servername", "localhost", "-sess_out", sess)
	if !strings.Contains(out, "Max Early Data: 16384") {
		t.Fatalf("the other server's session allows no early data:\n%s", out)
	}
}
