package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/tlsinfo"
)

// helloEntry is a /hellos entry as a script reads it.
type helloEntry struct {
	Time         string `json:"time"`
	Listener     string `json:"listener"`
	Peer         string `json:"peer"`
	Outcome      string `json:"outcome"`
	Resumed      bool   `json:"resumed"`
	JA4          string `json:"ja4"`
	JA3Hash      string `json:"ja3_hash"`
	SNI          string `json:"sni"`
	Versions     []tlsinfo.Entry
	CipherSuites []tlsinfo.Entry `json:"cipher_suites"`
	KeyShares    []tlsinfo.Entry `json:"key_share_groups"`
}

func getJSON(t *testing.T, client *http.Client, url string, v any) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s %s", url, resp.Status, body)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// handshake dials addr and runs a TLS handshake with cfg, recording the
// hello the client sent; it returns the client's address and the
// handshake's error.
func handshake(t *testing.T, addr string, cfg *tls.Config) (local string, own *tlsinfo.ClientHello, err error) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	rec := tlsinfo.RecordHello(nc)
	tc := tls.Client(rec, cfg)
	defer tc.Close()
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	err = tc.Handshake()
	if err == nil {
		// Read until the server closes or answers nothing: the handshake
		// is recorded by then whatever the version.
		tc.Write([]byte("x"))
		tc.Read(make([]byte, 1))
	}
	own, herr := rec.Hello()
	if herr != nil {
		t.Fatalf("the client's own hello: %v", herr)
	}
	return nc.LocalAddr().String(), own, err
}

// TestHellos: every handshake on both TLS ports, the failed ones too,
// shows in /hellos newest first, with the client's real address, the
// outcome in words and what it offered.
func TestHellos(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	cfg := ta.clientTLS()

	// The client can be done with a handshake before the server has
	// recorded it, so each handshake waits for its record before the next
	// starts: the order of the list is then the order of the handshakes.
	okPeer, okHello, err := handshake(t, ta.TLSAddr, cfg)
	if err != nil {
		t.Fatalf("a plain handshake failed: %v", err)
	}
	waitHellos(t, ta, "", 1)
	old := cfg.Clone()
	old.MinVersion, old.MaxVersion = tls.VersionTLS10, tls.VersionTLS10
	oldPeer, _, err := handshake(t, ta.TLSAddr, old)
	if err == nil {
		t.Fatal("a TLS 1.0 client got through")
	}
	waitHellos(t, ta, "", 2)
	cbc := cfg.Clone()
	cbc.MaxVersion = tls.VersionTLS12
	cbc.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, tls.TLS_RSA_WITH_AES_128_CBC_SHA256}
	cbcPeer, _, err := handshake(t, ta.HTTPSAddr, cbc)
	if err == nil {
		t.Fatal("a CBC-only client got through")
	}
	want := []struct {
		peer, listener, outcome string
		check                   func(e helloEntry) bool
	}{
		{cbcPeer, "https", "no cipher suite supported by both client and server", func(e helloEntry) bool {
			return len(e.CipherSuites) == 2 && e.CipherSuites[0].Name == "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256" && e.CipherSuites[1].Hex == "003c"
		}},
		{oldPeer, "tls", "client offered only unsupported versions: TLS 1.0", func(e helloEntry) bool {
			return len(e.Versions) == 1 && e.Versions[0].Name == "TLS 1.0" && strings.HasPrefix(e.JA4, "t10d")
		}},
		{okPeer, "tls", "ok", func(e helloEntry) bool {
			return e.JA4 == okHello.JA4() && e.JA3Hash == okHello.JA3Hash() && e.SNI == "localhost" &&
				slices.ContainsFunc(e.Versions, func(v tlsinfo.Entry) bool { return v.Name == "TLS 1.3" })
		}},
	}

	got := waitHellos(t, ta, "", len(want))
	for i, w := range want {
		e := got[i]
		if e.Peer != w.peer || e.Listener != w.listener || !strings.Contains(e.Outcome, w.outcome) || !w.check(e) {
			t.Errorf("entry %d = %+v\nwant peer %s listener %s outcome %q", i, e, w.peer, w.listener, w.outcome)
		}
		if _, err := time.Parse(time.RFC3339, e.Time); err != nil {
			t.Errorf("time %q: %v", e.Time, err)
		}
	}
	var tlsOnly []helloEntry
	getJSON(t, http.DefaultClient, "http://"+ta.AdminAddr+"/hellos?listener=tls", &tlsOnly)
	if len(tlsOnly) != 2 || tlsOnly[0].Peer != oldPeer {
		t.Errorf("?listener=tls gave %+v", tlsOnly)
	}

	// openssl offering only a group the server lacks (finite-field
	// Diffie-Hellman, which Go does not do).
	if bin, err := exec.LookPath("openssl"); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "s_client", "-connect", ta.TLSAddr, "-tls1_3", "-groups", "ffdhe2048", "-servername", "localhost")
		cmd.Stdin = strings.NewReader("")
		cmd.Run()
		e := waitHellos(t, ta, "?listener=tls", 3)
		if len(e) != 3 || e[0].Outcome == "ok" || !strings.Contains(e[0].Outcome, "no key exchanges supported") {
			t.Errorf("no common group: %+v", e)
		}
	}
}

// waitHellos polls /hellos (with query) until it lists n entries, and
// returns them. The ring is filled by the handshake hook, which for a
// failed handshake may still be running when the client has seen the
// alert, so the client cannot know it is done.
func waitHellos(t *testing.T, ta *testApp, query string, n int) []helloEntry {
	t.Helper()
	var got []helloEntry
	for deadline := time.Now().Add(10 * time.Second); ; {
		getJSON(t, http.DefaultClient, "http://"+ta.AdminAddr+"/hellos"+query, &got)
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestInfoClientHello: /info shows the hello of the very connection it
// is asked on.
func TestInfoClientHello(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	cfg := ta.clientTLS()
	nc, err := net.DialTimeout("tcp", ta.HTTPSAddr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	rec := tlsinfo.RecordHello(nc)
	tr := &http.Transport{DialTLSContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		tc := tls.Client(rec, cfg)
		return tc, tc.HandshakeContext(ctx)
	}}
	defer tr.CloseIdleConnections()
	var got struct {
		ClientHello *struct {
			JA4  string   `json:"ja4"`
			JA3  string   `json:"ja3"`
			ALPN []string `json:"alpn"`
		} `json:"client_hello"`
	}
	getJSON(t, &http.Client{Transport: tr}, "https://localhost/info", &got)
	own, err := rec.Hello()
	if err != nil {
		t.Fatal(err)
	}
	if got.ClientHello == nil || got.ClientHello.JA4 != own.JA4() || got.ClientHello.JA3 != own.JA3() ||
		!slices.Equal(got.ClientHello.ALPN, own.ALPN()) {
		t.Errorf("/info client_hello = %+v, the client sent %s %s", got.ClientHello, own.JA4(), own.JA3())
	}
}

// TestClientVerboseHello: `tlsecho client -v` prints the fingerprint of
// the hello it wrote, which is the one the server read, on both schemes
// and also when the handshake fails.
func TestClientVerboseHello(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"TLS_MIN_VERSION": "1.3"})
	ca := writeCertFile(t, ta.src.Leaf())
	tests := []struct {
		name, url, listener string
		args                []string
		code                int
	}{
		{"tls", "tls://" + ta.TLSAddr, "tls", []string{"-ca", ca}, exitOK},
		{"wss", "wss://" + ta.HTTPSAddr + "/ws", "https", []string{"-ca", ca}, exitOK},
		// Without -ca the client refuses the certificate: the handshake
		// fails, and the hello is printed all the same.
		{"refused", "tls://" + ta.TLSAddr, "tls", nil, exitFailure},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runClient(t, "", append(append([]string{"-v"}, tt.args...), tt.url, "x")...)
			got := waitHellos(t, ta, "", i+1)[0]
			r.want(t, tt.code, []string{"client hello (what this client offered)", "JA4           " + got.JA4, "JA3           " + got.JA3Hash}, nil)
			if got.Listener != tt.listener || (got.Outcome == "ok") != (tt.code == exitOK) {
				t.Errorf("server saw %+v", got)
			}
		})
	}
}

// TestHellosAfterHelloRetryRequest: when the server asks the client to
// retry with another key share, the first hello is the one recorded.
// openssl sends a key share for its first group only; finite-field
// Diffie-Hellman, which Go does not do, makes the server retry with
// X25519.
func TestHellosAfterHelloRetryRequest(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	ta := startApp(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "s_client", "-connect", ta.TLSAddr, "-tls1_3", "-groups", "ffdhe2048:X25519", "-servername", "localhost")
	cmd.Stdin = strings.NewReader("")
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(string(out), "TLSv1.3") {
		t.Fatalf("openssl did not complete a TLS 1.3 handshake:\n%s", out)
	}
	got := waitHellos(t, ta, "", 1)
	if len(got) != 1 || got[0].Outcome != "ok" || len(got[0].KeyShares) != 1 || got[0].KeyShares[0].Name != "ffdhe2048" {
		t.Errorf("/hellos = %+v, want one ok handshake whose hello offered a key share for ffdhe2048 only", got)
	}
}

// TestHellosGREASEOnlyVersions: a client whose supported_versions holds
// only GREASE fails its handshake, and /hellos says what it offered
// rather than an empty list; its JA4 takes the legacy version.
func TestHellosGREASEOnlyVersions(t *testing.T) {
	ta := startApp(t, nil)
	nc := sendFirst(t, ta.TLSAddr, oddHello(0, nil, 0x0a0a, 0x3a3a))
	// The server answers with a protocol_version alert and closes.
	io.Copy(io.Discard, nc)
	got := waitHellos(t, ta, "", 1)
	if len(got) != 1 {
		t.Fatalf("/hellos = %+v, want one entry", got)
	}
	const want = "client offered only unsupported versions: GREASE only (0x0a0a, 0x3a3a)"
	if e := got[0]; e.Outcome != want || !strings.HasPrefix(e.JA4, "t12i") {
		t.Errorf("entry %+v\nwant outcome %q and a JA4 of TLS 1.2 (t12i...)", e, want)
	}
}

// TestHellosWSSAlias: /hellos takes wss for the https listener, as
// POST /faults does.
func TestHellosWSSAlias(t *testing.T) {
	ta := startApp(t, nil)
	if _, _, err := handshake(t, ta.TLSAddr, ta.clientTLS()); err != nil {
		t.Fatal(err)
	}
	// The HTTPS server waits for a request after the handshake: close.
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", ta.HTTPSAddr, ta.clientTLS())
	if err != nil {
		t.Fatal(err)
	}
	httpsPeer := c.LocalAddr().String()
	c.Close()
	waitHellos(t, ta, "", 2)
	var got []helloEntry
	getJSON(t, http.DefaultClient, "http://"+ta.AdminAddr+"/hellos?listener=wss", &got)
	if len(got) != 1 || got[0].Listener != "https" || got[0].Peer != httpsPeer {
		t.Errorf("?listener=wss gave %+v, want the one https handshake from %s", got, httpsPeer)
	}
}

// sendFirst dials addr and sends b as the client's first bytes, with no
// TLS of its own: a test of what the server makes of a hello it did not
// expect. Reads and writes on the socket give up after 10 s; it is
// closed when the test ends.
func sendFirst(t *testing.T, addr string, b []byte) *net.TCPConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := nc.Write(b); err != nil {
		t.Fatal(err)
	}
	return nc.(*net.TCPConn)
}
