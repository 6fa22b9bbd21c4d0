package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"
)

// TestServeTooManyHosts: TLSECHO_HOSTS that would make a certificate
// larger than clients take stop the start with one line that names the
// variable first, as any other setting's error does, and counts the
// addresses among the hosts.
func TestServeTooManyHosts(t *testing.T) {
	t.Parallel()
	env := []string{"TLSECHO_TLS_ADDR=127.0.0.1:0", "TLSECHO_HTTPS_ADDR=127.0.0.1:0", "TLSECHO_ADMIN_ADDR=127.0.0.1:0",
		"TLSECHO_HOSTS=" + manyHosts(8000) + ",127.0.0.1,::1"}
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a server that starts stops at once
	code := run(ctx, nil, env, nil, &stdout, &stderr)
	out := stderr.String()
	if code != exitUsage || !strings.HasPrefix(out, "tlsecho: TLSECHO_HOSTS: 8002 hosts") {
		t.Errorf("exit %d, stderr %q; want %d and a line naming TLSECHO_HOSTS first", code, out, exitUsage)
	}
}

// TestCertForceP12Replaced: -force with -p12 writes the new cert.p12 and
// keeps it; only -force without -p12 removes the old one.
func TestCertForceP12Replaced(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certMust(t, "-p12", "-p12-password", "old", "-hosts", "old.example", "-out", dir)
	out := certMust(t, "-force", "-p12", "-p12-password", "new", "-hosts", "new.example", "-out", dir)
	p12Path := filepath.Join(dir, "cert.p12")
	data, err := os.ReadFile(p12Path)
	if err != nil {
		t.Fatalf("after -force -p12: %v\n%s", err, out)
	}
	_, leaf, _, err := pkcs12.DecodeChain(data, "new")
	if err != nil {
		t.Fatalf("%s: %v", p12Path, err)
	}
	if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != "new.example" {
		t.Errorf("%s holds %v, want new.example", p12Path, leaf.DNSNames)
	}
	if strings.Contains(out, "Removed") {
		t.Errorf("the summary says a file was removed:\n%s", out)
	}
}
