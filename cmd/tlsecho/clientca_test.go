package main

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// secondCA makes another CA with `tlsecho cert -ca` and a client
// certificate it issued.
func secondCA(t *testing.T) (caFile string, client tls.Certificate) {
	t.Helper()
	dir := t.TempDir()
	certMust(t, "-ca", "-hosts", "other.client.test", "-out", dir)
	client, err := tls.LoadX509KeyPair(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "ca.pem"), client
}

// letIn tells whether a client with cert is served on both TLS ports: a
// raw TLS echo, GET /healthz and a wss echo. In TLS 1.3 a refused client
// certificate shows only on the first read, so each check reads.
func letIn(tlsAddr, httpsAddr string, roots *tls.Config, cert tls.Certificate) (raw, https, wss error) {
	cfg := roots.Clone()
	cfg.Certificates = []tls.Certificate{cert}
	raw = func() error {
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", tlsAddr, cfg)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c, "x"); err != nil {
			return err
		}
		_, err = io.ReadFull(c, make([]byte, 1))
		return err
	}()
	https = certHealthz(httpsAddr, cfg)
	c, err := certDialWSS(httpsAddr, cfg)
	if err == nil {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if err = c.WriteMessage(websocket.TextMessage, []byte("x")); err == nil {
			_, _, err = c.ReadMessage()
		}
		c.Close()
	}
	return raw, https, err
}

// expectLetIn checks that cert is served on every surface, or on none.
func expectLetIn(t *testing.T, step string, tlsAddr, httpsAddr string, roots *tls.Config, cert tls.Certificate, want bool) {
	t.Helper()
	raw, https, wss := letIn(tlsAddr, httpsAddr, roots, cert)
	for _, r := range []struct {
		what string
		err  error
	}{{"raw TLS", raw}, {"HTTPS", https}, {"wss", wss}} {
		if want && r.err != nil {
			t.Errorf("%s: %s refused %s: %v", step, r.what, cert.Leaf.Subject, r.err)
		}
		if !want && r.err == nil {
			t.Errorf("%s: %s let %s in", step, r.what, cert.Leaf.Subject)
		}
	}
}

// TestClientCAReloadOnChange: a CA file renamed into place decides who
// new handshakes on both ports let in, while a connection opened before
// keeps echoing; a broken file is logged as an error and the previous
// CAs stay.
func TestClientCAReloadOnChange(t *testing.T) {
	t.Parallel()
	dir, caFile, serverCert, serverKey, client := mtlsSetup(t)
	otherCA, otherClient := secondCA(t)
	live := filepath.Join(t.TempDir(), "ca.pem")
	installByRename(t, caFile, live)
	ta := startApp(t, map[string]string{"CERT_FILE": serverCert, "KEY_FILE": serverKey, "CLIENT_CA_FILE": live})
	waitLogged(t, ta, "watching certificate files")
	roots := &tls.Config{RootCAs: certPool(t, filepath.Join(dir, "ca.pem")), ServerName: "localhost"}
	expectLetIn(t, "start", ta.TLSAddr, ta.HTTPSAddr, roots, client, true)
	expectLetIn(t, "start", ta.TLSAddr, ta.HTTPSAddr, roots, otherClient, false)
	withCert := roots.Clone()
	withCert.Certificates = []tls.Certificate{client}
	conns := openBoth(t, ta.TLSAddr, ta.HTTPSAddr, withCert)

	installByRename(t, otherCA, live)
	waitLogged(t, ta, "client CA reloaded")
	expectLetIn(t, "after the change", ta.TLSAddr, ta.HTTPSAddr, roots, otherClient, true)
	expectLetIn(t, "after the change", ta.TLSAddr, ta.HTTPSAddr, roots, client, false)
	conns.echo(t, "after the change")

	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	os.WriteFile(garbage, []byte("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"), 0o644)
	installByRename(t, garbage, live)
	line := waitLogged(t, ta, "client CA reload failed")
	for _, want := range []string{"level=ERROR", live} {
		if !strings.Contains(line, want) {
			t.Errorf("the failure line lacks %q:\n%s", want, line)
		}
	}
	expectLetIn(t, "after a broken file", ta.TLSAddr, ta.HTTPSAddr, roots, otherClient, true)
	expectLetIn(t, "after a broken file", ta.TLSAddr, ta.HTTPSAddr, roots, client, false)
}

// TestClientCAReloadSIGHUP sends a real SIGHUP to a real process whose CA
// file is a symlink into a directory reached through another symlink,
// switched to a new directory holding the new CA, where the watcher cannot
// see the change: the log's trigger shows the signal did it.
func TestClientCAReloadSIGHUP(t *testing.T) {
	t.Parallel()
	dir, caFile, serverCert, serverKey, client := mtlsSetup(t)
	otherCA, otherClient := secondCA(t)
	root := t.TempDir()
	store, live := filepath.Join(root, "store"), filepath.Join(root, "live")
	if err := os.Mkdir(live, 0o700); err != nil {
		t.Fatal(err)
	}
	pointDir(t, store, versionDir(t, root, "v1", caFile))
	if err := os.Symlink(filepath.Join(store, "ca.pem"), filepath.Join(live, "ca.pem")); err != nil {
		t.Fatal(err)
	}
	p := startProc(t, "TLSECHO_CERT_FILE="+serverCert, "TLSECHO_KEY_FILE="+serverKey, "TLSECHO_CLIENT_CA_FILE="+filepath.Join(live, "ca.pem"))
	roots := &tls.Config{RootCAs: certPool(t, filepath.Join(dir, "ca.pem")), ServerName: "localhost"}
	expectLetIn(t, "start", p.TLSAddr, p.HTTPSAddr, roots, otherClient, false)

	pointDir(t, store, versionDir(t, root, "v2", otherCA))
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for m := range p.waitLog(t, "client CA reloaded", 5*time.Second) {
		if m["trigger"] != "SIGHUP" {
			t.Errorf("reload line: %v; want trigger SIGHUP", m)
		}
		if got := fmt.Sprint(m["cas"]); !strings.Contains(got, "tlsecho local CA") {
			t.Errorf("reload line lists CAs %s", got)
		}
	}
	expectLetIn(t, "after SIGHUP", p.TLSAddr, p.HTTPSAddr, roots, otherClient, true)
	expectLetIn(t, "after SIGHUP", p.TLSAddr, p.HTTPSAddr, roots, client, false)
}
