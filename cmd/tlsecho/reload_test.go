package main

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/certs"
)

// reloadPair is a pair made by `tlsecho cert` in its own directory.
type reloadPair struct {
	certFile, keyFile string
	leaf              *x509.Certificate
}

func newReloadPair(t testing.TB, host string) reloadPair {
	t.Helper()
	dir := filepath.Join(t.TempDir(), host)
	certMust(t, "-hosts", host+",localhost,127.0.0.1", "-out", dir)
	p := reloadPair{certFile: filepath.Join(dir, "cert.pem"), keyFile: filepath.Join(dir, "key.pem")}
	p.leaf = certParse(t, p.certFile)
	return p
}

// renewedWithSameKey makes a new certificate for host over p's key, as a
// renewal that keeps its key does (certbot --reuse-key), in a directory
// of its own.
func renewedWithSameKey(t testing.TB, p reloadPair, host string) reloadPair {
	t.Helper()
	keyPEM, err := os.ReadFile(p.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		t.Fatalf("%s: no PEM", p.keyFile)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	signer := key.(crypto.Signer)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: host, Organization: []string{"tlsecho"}},
		DNSNames:     []string{host, "localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, signer.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), host)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	r := reloadPair{certFile: filepath.Join(dir, "cert.pem"), keyFile: filepath.Join(dir, "key.pem")}
	if err := os.WriteFile(r.certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(r.keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	r.leaf = certParse(t, r.certFile)
	return r
}

// trusts is a client configuration verifying against this pair only.
func (p reloadPair) trusts() *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(p.leaf)
	return &tls.Config{RootCAs: pool, ServerName: "localhost"}
}

// installByRename copies src over dst the way certbot and careful scripts
// do: written under a temporary name in dst's directory, then renamed.
func installByRename(t testing.TB, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp")
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		t.Fatal(err)
	}
}

// servedLeaf is the certificate a new handshake on addr presents. The
// check is skipped only to learn which one it is; callers verify it.
func servedLeaf(t testing.TB, addr string) *x509.Certificate {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0]
}

// waitServed waits until new handshakes on every addr present want.
func waitServed(t testing.TB, want *x509.Certificate, addrs ...string) {
	t.Helper()
	deadline := time.Now().Add(ioWait)
	for _, addr := range addrs {
		for !servedLeaf(t, addr).Equal(want) {
			if time.Now().After(deadline) {
				t.Fatalf("%s still does not serve the new certificate after %v", addr, ioWait)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// openConns are a raw TLS and a wss connection opened before a reload,
// which must keep echoing after it.
type openConns struct {
	raw *tls.Conn
	ws  *websocket.Conn
}

func openBoth(t *testing.T, tlsAddr, httpsAddr string, cfg *tls.Config) openConns {
	t.Helper()
	raw, err := tls.Dial("tcp", tlsAddr, cfg)
	if err != nil {
		t.Fatalf("raw dial: %v", err)
	}
	t.Cleanup(func() { raw.Close() })
	ws, err := certDialWSS(httpsAddr, cfg)
	if err != nil {
		t.Fatalf("wss dial: %v", err)
	}
	t.Cleanup(func() { ws.Close() })
	oc := openConns{raw: raw, ws: ws}
	oc.echo(t, "before")
	return oc
}

func (oc openConns) echo(t testing.TB, msg string) {
	t.Helper()
	for i := range 3 {
		certRawEcho(t, oc.raw, msg+" raw "+string(rune('0'+i))+"\n")
		certWSEcho(t, oc.ws, msg+" wss "+string(rune('0'+i)))
	}
}

// startWatchingPair starts a server on a pair for old.test, made by
// `tlsecho cert` and installed in a directory of its own, once it watches
// the pair's files.
func startWatchingPair(t *testing.T) (old reloadPair, ta *testApp, certFile, keyFile string) {
	t.Helper()
	old = newReloadPair(t, "old.test")
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	installByRename(t, old.certFile, certFile)
	installByRename(t, old.keyFile, keyFile)
	ta = startApp(t, map[string]string{"CERT_FILE": certFile, "KEY_FILE": keyFile})
	waitLogged(t, ta, "watching certificate files")
	return old, ta, certFile, keyFile
}

// TestReloadByRename: a new pair renamed over the files is served to new
// clients on both ports, verified, while connections opened before keep
// echoing; the log gives the new subject, expiry and fingerprint.
func TestReloadByRename(t *testing.T) {
	t.Parallel()
	old, ta, certFile, keyFile := startWatchingPair(t)
	conns := openBoth(t, ta.TLSAddr, ta.HTTPSAddr, old.trusts())

	// Two renames, and the watcher may read the files between them. With
	// the key kept, the pair it reads then is the old one, whole: the test
	// cannot depend on both renames landing inside the debounce (certs
	// tests that), however the machine schedules them.
	renewed := renewedWithSameKey(t, old, "renewed.test")
	installByRename(t, renewed.keyFile, keyFile)
	installByRename(t, renewed.certFile, certFile)
	waitServed(t, renewed.leaf, ta.TLSAddr, ta.HTTPSAddr)

	ta.echoOnce(t, renewed.trusts(), "new client on the raw port\n")
	if err := certHealthz(ta.HTTPSAddr, renewed.trusts()); err != nil {
		t.Errorf("GET /healthz with the renewed certificate: %v", err)
	}
	c, err := certDialWSS(ta.HTTPSAddr, renewed.trusts())
	if err != nil {
		t.Fatalf("new wss client: %v", err)
	}
	certWSEcho(t, c, "new wss client")
	c.Close()
	conns.echo(t, "after")

	line := waitLogged(t, ta, "certificate reloaded")
	for _, want := range []string{
		`trigger="file change"`,
		`subject="CN=renewed.test,O=tlsecho"`,
		"not_after=" + renewed.leaf.NotAfter.UTC().Format(time.RFC3339),
		"sha256=" + certs.Fingerprint(renewed.leaf.Raw),
	} {
		if !strings.Contains(line, want) {
			t.Errorf("reload log line lacks %s:\n%s", want, line)
		}
	}
	if strings.Contains(ta.Log.String(), "reload failed") {
		t.Errorf("a reload failed on the way (the pair was loaded half-written):\n%s", ta.Log.String())
	}
}

// TestReloadRejectsBrokenPair: a broken or mismatched replacement is
// refused with an error naming the files, and the old certificate keeps
// serving new clients on both ports.
func TestReloadRejectsBrokenPair(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		install func(t *testing.T, certFile, keyFile string)
		wantErr string
	}{
		{
			name: "garbage key",
			install: func(t *testing.T, certFile, keyFile string) {
				garbage := filepath.Join(t.TempDir(), "garbage")
				os.WriteFile(garbage, []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), 0o600)
				installByRename(t, garbage, keyFile)
			},
			wantErr: "certs: load pair",
		},
		{
			name: "mismatched key",
			install: func(t *testing.T, certFile, keyFile string) {
				other := newReloadPair(t, "other.test")
				installByRename(t, other.keyFile, keyFile)
			},
			wantErr: "private key does not match public key",
		},
		{
			name: "new certificate with the old key",
			install: func(t *testing.T, certFile, keyFile string) {
				other := newReloadPair(t, "other.test")
				installByRename(t, other.certFile, certFile)
			},
			wantErr: "private key does not match public key",
		},
		{
			name: "certificate removed",
			install: func(t *testing.T, certFile, keyFile string) {
				os.Remove(certFile)
			},
			wantErr: "certs: read certificate",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			old := newReloadPair(t, "old.test")
			ta := startApp(t, map[string]string{"CERT_FILE": old.certFile, "KEY_FILE": old.keyFile})
			waitLogged(t, ta, "watching certificate files")
			conns := openBoth(t, ta.TLSAddr, ta.HTTPSAddr, old.trusts())

			tt.install(t, old.certFile, old.keyFile)
			line := waitLogged(t, ta, "certificate reload failed")
			for _, want := range []string{"level=ERROR", tt.wantErr, old.certFile, old.keyFile} {
				if !strings.Contains(line, want) {
					t.Errorf("error line lacks %q:\n%s", want, line)
				}
			}
			for _, addr := range []string{ta.TLSAddr, ta.HTTPSAddr} {
				if !servedLeaf(t, addr).Equal(old.leaf) {
					t.Errorf("%s no longer serves the old certificate", addr)
				}
			}
			ta.echoOnce(t, old.trusts(), "still the old certificate\n")
			if err := certHealthz(ta.HTTPSAddr, old.trusts()); err != nil {
				t.Errorf("GET /healthz with the old certificate: %v", err)
			}
			conns.echo(t, "after")
			if strings.Contains(ta.Log.String(), "certificate reloaded") {
				t.Errorf("a broken pair was reported as loaded:\n%s", ta.Log.String())
			}
		})
	}
}

// TestReloadSIGHUP sends a real SIGHUP to a real server process. Its
// files are symlinks into a directory reached through another symlink,
// which is switched to a new directory holding the new pair: the watcher
// (which watches the first symlinks' directory and the files they reach)
// sees nothing of that, so only the signal can make the switch.
func TestReloadSIGHUP(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no SIGHUP on Windows")
	}
	old := newReloadPair(t, "old.test")
	root := t.TempDir()
	store, live := filepath.Join(root, "store"), filepath.Join(root, "live")
	if err := os.Mkdir(live, 0o700); err != nil {
		t.Fatal(err)
	}
	pointDir(t, store, versionDir(t, root, "v1", old.certFile, old.keyFile))
	for _, name := range []string{"cert.pem", "key.pem"} {
		if err := os.Symlink(filepath.Join(store, name), filepath.Join(live, name)); err != nil {
			t.Fatal(err)
		}
	}
	p := startProc(t, "TLSECHO_CERT_FILE="+filepath.Join(live, "cert.pem"), "TLSECHO_KEY_FILE="+filepath.Join(live, "key.pem"))
	// Only the symlinks' directory is watched, so nothing the watcher sees
	// changes below: only the signal can make the switch.
	for m := range p.waitLog(t, "watching certificate files", ioWait) {
		if dirs := stringOf(m["dirs"]); strings.TrimSpace(dirs) != live {
			t.Fatalf("watching %v, want %s only; this test would no longer test the signal", dirs, live)
		}
	}
	conns := openBoth(t, p.TLSAddr, p.HTTPSAddr, old.trusts())

	renewed := newReloadPair(t, "renewed.test")
	pointDir(t, store, versionDir(t, root, "v2", renewed.certFile, renewed.keyFile))
	if !servedLeaf(t, p.TLSAddr).Equal(old.leaf) {
		t.Fatal("the server switched before SIGHUP; this test no longer tests the signal")
	}

	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for m := range p.waitLog(t, "certificate reloaded", ioWait) {
		if m["trigger"] != "SIGHUP" || m["sha256"] != certs.Fingerprint(renewed.leaf.Raw) {
			t.Errorf("reload line: %v", m)
		}
	}
	waitServed(t, renewed.leaf, p.TLSAddr, p.HTTPSAddr)
	if err := certHealthz(p.HTTPSAddr, renewed.trusts()); err != nil {
		t.Errorf("GET /healthz with the renewed certificate: %v", err)
	}
	conns.echo(t, "after SIGHUP")

	// The process is still alive and serving: SIGHUP did not end it.
	if err := p.cmd.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("server process gone after SIGHUP: %v", err)
	}
}

// versionDir makes root/name holding copies of files, and returns it.
func versionDir(t testing.TB, root, name string, files ...string) string {
	t.Helper()
	dir := filepath.Join(root, name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		installByRename(t, f, filepath.Join(dir, filepath.Base(f)))
	}
	return dir
}

// pointDir makes link a symlink to dir, replacing the one there at once
// by a rename.
func pointDir(t testing.TB, link, dir string) {
	t.Helper()
	tmp := link + ".tmp"
	if err := os.Symlink(dir, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, link); err != nil {
		t.Fatal(err)
	}
}

// waitLogged waits for a log line of the in-process server containing
// want and returns it.
func waitLogged(t testing.TB, ta *testApp, want string) string {
	t.Helper()
	deadline := time.Now().Add(ioWait)
	for {
		for _, line := range strings.Split(ta.Log.String(), "\n") {
			if strings.Contains(line, want) {
				return line
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log within %v:\n%s", want, ioWait, ta.Log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func stringOf(v any) string {
	var b bytes.Buffer
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			s, _ := e.(string)
			b.WriteString(s + " ")
		}
	case string:
		b.WriteString(v)
	}
	return b.String()
}
