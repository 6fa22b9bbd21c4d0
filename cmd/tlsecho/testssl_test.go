package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// certificateFindings are testssl.sh findings about a self-signed test
// certificate, not about the server's TLS configuration.
var certificateFindings = map[string]bool{
	"cert_chain_of_trust": true, // self-signed: not in any trust store
	"cert_revocation":     true, // no CRL or OCSP for an in-memory certificate
	"DNS_CAArecord":       true, // loopback has no DNS
}

// TestTestSSL scans both TLS ports with testssl.sh (Debian's testssl.sh
// package) and fails on any finding above LOW that is not about the
// certificate. It takes about 80 s, so it runs only with TLSECHO_TESTSSL=1.
func TestTestSSL(t *testing.T) {
	t.Parallel()
	if os.Getenv("TLSECHO_TESTSSL") != "1" {
		t.Skip("set TLSECHO_TESTSSL=1 to scan with testssl.sh (apt-get install -y testssl.sh)")
	}
	bin, err := exec.LookPath("testssl")
	if err != nil {
		t.Fatal("testssl not found: apt-get install -y testssl.sh")
	}
	ta := startApp(t, nil)
	for name, addr := range map[string]string{"raw TLS": ta.TLSAddr, "HTTPS": ta.HTTPSAddr} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "scan.json")
			cmd := exec.Command(bin, "--fast", "--quiet", "--warnings", "off", "--jsonfile", out, addr)
			timer := time.AfterFunc(4*time.Minute, func() { cmd.Process.Kill() })
			defer timer.Stop()
			if msg, err := cmd.CombinedOutput(); err != nil && len(msg) == 0 {
				t.Fatalf("testssl: %v", err)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var findings []struct{ ID, Severity, Finding string }
			if err := json.Unmarshal(data, &findings); err != nil {
				t.Fatal(err)
			}
			if len(findings) < 20 {
				t.Fatalf("only %d findings: the scan did not run through", len(findings))
			}
			for _, f := range findings {
				switch f.Severity {
				case "MEDIUM", "HIGH", "CRITICAL":
					if !certificateFindings[f.ID] {
						t.Errorf("%s %s: %s", f.Severity, f.ID, f.Finding)
					}
				}
			}
		})
	}
}
