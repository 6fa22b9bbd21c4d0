package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// printedLine finds the printed line that starts with prefix (after its
// indent) and splits it into words; the test's paths need no quoting.
func printedLine(t *testing.T, stdout, prefix string) []string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s*(` + regexp.QuoteMeta(prefix) + `.*)$`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no %q line in:\n%s", prefix, stdout)
	}
	return strings.Fields(m[1])
}

// atPort points the printed commands, written for tlsecho's default
// HTTPS address, at the test server's port.
func atPort(words []string, httpsAddr string) []string {
	_, port, _ := net.SplitHostPort(httpsAddr)
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = strings.Replace(w, "localhost:8443", "localhost:"+port, 1)
	}
	return out
}

// TestCertClient: `tlsecho cert -client` makes a client certificate and
// says how to present it, not a URL that names the client as a host. The
// printed TLSECHO_CLIENT_CA_FILE makes a real server accept it, and the
// printed tlsecho client and curl commands, pointed at that server's
// port, get through its mTLS: with the local CA, and self-signed.
func TestCertClient(t *testing.T) {
	t.Parallel()
	serverDir := t.TempDir()
	serverCert, serverKey := certEnvLine(t, certMust(t, "-ca", "-hosts", "localhost,127.0.0.1", "-out", serverDir))
	serverCA := filepath.Join(serverDir, "ca.pem")

	aliceDir := t.TempDir()
	for _, name := range []string{"ca.pem", "ca-key.pem"} {
		data, err := os.ReadFile(filepath.Join(serverDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(aliceDir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	withCA := certMust(t, "-ca", "-client", "-hosts", "alice", "-p12", "-out", aliceDir)
	selfSigned := certMust(t, "-client", "-hosts", "bob", "-out", t.TempDir())

	for _, tt := range []struct {
		name, stdout string
		extra        []string // what the note asks to add for this server's certificate
	}{
		{"local CA", withCA, nil},
		{"self-signed", selfSigned, []string{"-ca", serverCA}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if strings.Contains(tt.stdout, "https://alice") || strings.Contains(tt.stdout, "https://bob") ||
				strings.Contains(tt.stdout, "TLSECHO_CERT_FILE=") {
				t.Errorf("a client certificate is offered as a server's:\n%s", tt.stdout)
			}
			env := printedLine(t, tt.stdout, "TLSECHO_CLIENT_CA_FILE=")
			clientCA := strings.TrimPrefix(env[0], "TLSECHO_CLIENT_CA_FILE=")
			ta := startApp(t, map[string]string{"CERT_FILE": serverCert, "KEY_FILE": serverKey, "CLIENT_CA_FILE": clientCA})

			cmd := atPort(printedLine(t, tt.stdout, "tlsecho client "), ta.HTTPSAddr)
			args := append(append([]string{}, tt.extra...), cmd[2:]...)
			runClient(t, "", args...).want(t, exitOK, []string{"client cert   requested; sent CN=", "echo          hello"}, nil)
			// Without the certificate the same server refuses the client.
			runClient(t, "", append(tt.extra, "-ca", serverCA, "wss://"+ta.HTTPSAddr+"/ws", "hello")...).want(t, exitFailure, nil,
				[]string{"it requires a client certificate"})

			curl, err := exec.LookPath("curl")
			if err != nil {
				t.Log("curl not installed; skipping the printed curl line")
				return
			}
			line := atPort(printedLine(t, tt.stdout, "curl "), ta.HTTPSAddr)
			if tt.extra != nil {
				line = append([]string{"curl", "--cacert", serverCA}, line[1:]...)
			}
			out, err := exec.Command(curl, append([]string{"-fsS"}, line[1:]...)...).CombinedOutput()
			if err != nil {
				t.Errorf("%s: %v\n%s", strings.Join(line, " "), err, out)
			}
		})
	}
	if !strings.Contains(withCA, "Browsers import the PKCS#12 bundle "+filepath.Join(aliceDir, "cert.p12")) {
		t.Errorf("with -p12 the summary does not say to import cert.p12 in a browser:\n%s", withCA)
	}
	if !strings.Contains(selfSigned, "run again with -p12") {
		t.Errorf("without -p12 the summary does not say how to get a bundle for a browser:\n%s", selfSigned)
	}
}
