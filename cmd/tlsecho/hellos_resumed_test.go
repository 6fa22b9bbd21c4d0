package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var hellosResumedTests = []struct {
	name     string
	listener string
	version  uint16
}{
	{name: "raw TLS 1.3", listener: "tls", version: tls.VersionTLS13},
	{name: "raw TLS 1.2", listener: "tls", version: tls.VersionTLS12},
	{name: "HTTPS TLS 1.3", listener: "https", version: tls.VersionTLS13},
	{name: "HTTPS TLS 1.2", listener: "https", version: tls.VersionTLS12},
}

// TestHellosResumed: a client that resumes its session with a ticket
// from the first connection shows in /hellos with resumed true, and the
// full handshake before it with resumed false, on both TLS ports. The
// hello alone cannot say it: a client offers its ticket whether or not
// the server takes it.
func TestHellosResumed(t *testing.T) {
	t.Parallel()
	for _, tt := range hellosResumedTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ta := startApp(t, nil)
			cfg := ta.clientTLS()
			cfg.MinVersion, cfg.MaxVersion = tt.version, tt.version
			cfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
			var resumed []bool
			for range 2 {
				var st tls.ConnectionState
				if tt.listener == "tls" {
					st = echoState(t, ta.TLSAddr, cfg)
				} else {
					st = healthzState(t, ta.HTTPSAddr, cfg)
				}
				resumed = append(resumed, st.DidResume)
			}
			if !resumed[1] || resumed[0] {
				t.Fatalf("the client resumed %v; want the second connection only", resumed)
			}
			got := waitHellos(t, ta, "?listener="+tt.listener, 2)
			if len(got) != 2 || !got[0].Resumed || got[1].Resumed || got[0].Outcome != "ok" {
				t.Errorf("/hellos = %+v\nwant the newest resumed, the first not", got)
			}
		})
	}
}

// TestHellosResumedOpenSSL: `openssl s_client -sess_out`, then
// `-sess_in` with the session it saved, resumes on the raw TLS port, and
// /hellos says so.
func TestHellosResumedOpenSSL(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	ta := startApp(t, nil)
	sess := filepath.Join(t.TempDir(), "session.pem")
	for i, arg := range []string{"-sess_out", "-sess_in"} {
		out := opensslEcho(t, bin, "resume me", "s_client", "-connect", ta.TLSAddr, "-servername", "localhost", arg, sess)
		if want := []string{"New,", "Reused,"}[i]; !strings.Contains(out, "\n"+want) {
			t.Fatalf("openssl %s did not say %q:\n%s", arg, want, out)
		}
	}
	got := waitHellos(t, ta, "?listener=tls", 2)
	if len(got) != 2 || !got[0].Resumed || got[1].Resumed {
		t.Errorf("/hellos = %+v\nwant the newest resumed, the first not", got)
	}
}

// opensslEcho runs openssl with args, sends line once its session is
// set up and closes its input once the echo has come back (TLS 1.3's
// ticket, which follows the handshake, has arrived by then: a -sess_out
// saves it). It returns what openssl printed.
func opensslEcho(t *testing.T, bin, line string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		switch sc.Text() {
		case "---":
			// The session's summary ends so; the echo comes after it.
			io.WriteString(stdin, line+"\n")
		case line:
			stdin.Close()
		}
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// echoState dials addr, echoes a byte (TLS 1.3's ticket comes after the
// handshake and is taken by the read) and returns the connection's state.
func echoState(t *testing.T, addr string, cfg *tls.Config) tls.ConnectionState {
	t.Helper()
	c, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	return c.ConnectionState()
}

// healthzState gets /healthz on a connection of its own and returns its
// TLS state.
func healthzState(t *testing.T, addr string, cfg *tls.Config) tls.ConnectionState {
	t.Helper()
	tr := &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	resp, err := client.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz: %s", resp.Status)
	}
	return *resp.TLS
}
