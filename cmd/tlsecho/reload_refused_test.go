package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// logged counts the lines of p's log so far whose msg starts with prefix.
func (p *proc) logged(prefix string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, m := range p.log {
		if msg, _ := m["msg"].(string); strings.HasPrefix(msg, prefix) {
			n++
		}
	}
	return n
}

// TestReloadRefusalLoggedOnce: a refused pair or client CA file is
// logged as an error once, however many SIGHUPs and file events reload
// it unchanged; each of those is a debug line. Once a reload works, a new
// refusal is an error again.
func TestReloadRefusalLoggedOnce(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no SIGHUP on Windows")
	}
	dir, caFile, serverCert, serverKey, _ := mtlsSetup(t)
	live := t.TempDir()
	certFile, keyFile, liveCA := filepath.Join(live, "cert.pem"), filepath.Join(live, "key.pem"), filepath.Join(live, "ca.pem")
	installByRename(t, serverCert, certFile)
	installByRename(t, serverKey, keyFile)
	installByRename(t, caFile, liveCA)
	p := startProc(t, "TLSECHO_LOG_LEVEL=debug", "TLSECHO_CERT_FILE="+certFile, "TLSECHO_KEY_FILE="+keyFile, "TLSECHO_CLIENT_CA_FILE="+liveCA)
	for range p.waitLog(t, "watching certificate files", ioWait) {
	}
	const (
		pairFailed = "certificate reload failed"
		pairAgain  = "certificate reload refused again"
		caFailed   = "client CA reload failed"
		caAgain    = "client CA reload refused again"
	)

	// A certificate without its key, and a CA file cut short.
	other := newReloadPair(t, "other.test")
	installByRename(t, other.certFile, certFile)
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("-----BEGIN CERTIFICATE-----\nnot base64\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	installByRename(t, garbage, liveCA)
	for range p.waitLog(t, pairFailed, ioWait) {
	}
	for range p.waitLog(t, caFailed, ioWait) {
	}
	for range 5 {
		if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		for range p.waitLog(t, pairAgain, ioWait) {
		}
		for range p.waitLog(t, caAgain, ioWait) {
		}
	}

	// The missing key and a new CA file arrive: both load.
	newCA, _ := secondCA(t)
	installByRename(t, other.keyFile, keyFile)
	installByRename(t, newCA, liveCA)
	for range p.waitLog(t, "certificate reloaded", ioWait) {
	}
	for range p.waitLog(t, "client CA reloaded", ioWait) {
	}
	if n := p.logged(pairFailed); n != 1 {
		t.Errorf("%d lines %q for one refused pair, want 1", n, pairFailed)
	}
	if n := p.logged(caFailed); n != 1 {
		t.Errorf("%d lines %q for one refused CA file, want 1", n, caFailed)
	}

	// After a reload that worked, the same kind of refusal is news again.
	installByRename(t, serverCert, certFile)
	for range p.waitLog(t, pairFailed, ioWait) {
	}
	if n := p.logged(pairFailed); n != 2 {
		t.Errorf("%d lines %q after a second refused pair, want 2", n, pairFailed)
	}
}

// TestReloadRecoveryLogged: after a refused reload, the files put back as
// they were load again, and that is said at info level, though the
// certificate and the CAs are the ones served all along: at info level
// the refusal's error would otherwise stay the last word, as if the
// server still could not load its files.
func TestReloadRecoveryLogged(t *testing.T) {
	t.Parallel()
	dir, caFile, serverCert, serverKey, _ := mtlsSetup(t)
	live := t.TempDir()
	certFile, keyFile, liveCA := filepath.Join(live, "cert.pem"), filepath.Join(live, "key.pem"), filepath.Join(live, "ca.pem")
	installByRename(t, serverCert, certFile)
	installByRename(t, serverKey, keyFile)
	installByRename(t, caFile, liveCA)
	p := startProc(t, "TLSECHO_CERT_FILE="+certFile, "TLSECHO_KEY_FILE="+keyFile, "TLSECHO_CLIENT_CA_FILE="+liveCA)
	for range p.waitLog(t, "watching certificate files", ioWait) {
	}

	// A certificate without its key, and a CA file cut short.
	installByRename(t, newReloadPair(t, "other.test").certFile, certFile)
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("-----BEGIN CERTIFICATE-----\nnot base64\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	installByRename(t, garbage, liveCA)
	for range p.waitLog(t, "certificate reload failed", ioWait) {
	}
	for range p.waitLog(t, "client CA reload failed", ioWait) {
	}

	// Both put back as they were.
	installByRename(t, serverCert, certFile)
	installByRename(t, caFile, liveCA)
	for range p.waitLog(t, "certificate files load again", ioWait) {
	}
	for range p.waitLog(t, "client CA file loads again", ioWait) {
	}
}
