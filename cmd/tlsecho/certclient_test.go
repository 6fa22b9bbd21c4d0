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
// printed commands work as printed, pointed at the test server's port:
// the server started as printed (TLSECHO_CLIENT_CA_FILE alone, so its own
// certificate is made in memory) accepts the printed tlsecho client and
// curl commands that follow it, with the local CA and self-signed; with
// -ca, the verifying commands printed after them get through a server
// whose certificate the same CA issued; and without -ca the note's -ca
// FILE does the same for a server with a certificate from files.
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
		// verified are the printed commands, or the note's words to add,
		// for a server with a certificate from files.
		verified func(t *testing.T, stdout string) (client, curl []string)
	}{
		{"local CA", withCA, func(t *testing.T, stdout string) ([]string, []string) {
			return printedLine(t, stdout, "tlsecho client -ca ")[2:], printedLine(t, stdout, "curl --cacert ")[1:]
		}},
		{"self-signed", selfSigned, func(t *testing.T, stdout string) ([]string, []string) {
			if !strings.Contains(stdout, "given with -ca FILE (curl:\n--cacert FILE), leave them out") {
				t.Errorf("no note on verifying the server:\n%s", stdout)
			}
			cl, cu := printedLine(t, stdout, "tlsecho client -insecure ")[3:], printedLine(t, stdout, "curl -k ")[2:]
			return append([]string{"-ca", serverCA}, cl...), append([]string{"--cacert", serverCA}, cu...)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if strings.Contains(tt.stdout, "https://alice") || strings.Contains(tt.stdout, "https://bob") ||
				strings.Contains(tt.stdout, "TLSECHO_CERT_FILE=") {
				t.Errorf("a client certificate is offered as a server's:\n%s", tt.stdout)
			}
			env := printedLine(t, tt.stdout, "TLSECHO_CLIENT_CA_FILE=")
			if len(env) != 2 || env[1] != "tlsecho" {
				t.Fatalf("printed server command %q, want TLSECHO_CLIENT_CA_FILE=FILE tlsecho", env)
			}
			clientCA := strings.TrimPrefix(env[0], "TLSECHO_CLIENT_CA_FILE=")

			// The server as printed, and the commands printed under it.
			printed := startApp(t, map[string]string{"CLIENT_CA_FILE": clientCA})
			client := atPort(printedLine(t, tt.stdout, "tlsecho client "), printed.HTTPSAddr)[2:]
			curl := atPort(printedLine(t, tt.stdout, "curl "), printed.HTTPSAddr)[1:]
			presented(t, printed, client, curl)

			// A server with a certificate from the CA, which clients verify.
			files := startApp(t, map[string]string{"CERT_FILE": serverCert, "KEY_FILE": serverKey, "CLIENT_CA_FILE": clientCA})
			client, curl = tt.verified(t, tt.stdout)
			presented(t, files, atPort(client, files.HTTPSAddr), atPort(curl, files.HTTPSAddr))
		})
	}
	if !strings.Contains(withCA, "Browsers import the PKCS#12 bundle "+filepath.Join(aliceDir, "cert.p12")) {
		t.Errorf("with -p12 the summary does not say to import cert.p12 in a browser:\n%s", withCA)
	}
	if !strings.Contains(selfSigned, "run again with -p12") {
		t.Errorf("without -p12 the summary does not say how to get a bundle for a browser:\n%s", selfSigned)
	}
}

// presented runs a printed tlsecho client command (its arguments) and
// curl command (its arguments) against ta, which requires a client
// certificate: both must get through. Without the certificate the same
// client is refused.
func presented(t *testing.T, ta *testApp, client, curl []string) {
	t.Helper()
	runClient(t, "", client...).want(t, exitOK, []string{"client cert   requested; sent CN=", "echo          hello"}, nil)
	var bare []string
	for i := 0; i < len(client); i++ {
		if client[i] == "-cert" || client[i] == "-key" {
			i++
			continue
		}
		bare = append(bare, client[i])
	}
	runClient(t, "", bare...).want(t, exitFailure, nil, []string{"it requires a client certificate"})

	path, err := exec.LookPath("curl")
	if err != nil {
		t.Log("curl not installed; skipping the printed curl line")
		return
	}
	if out, err := exec.Command(path, append([]string{"-fsS"}, curl...)...).CombinedOutput(); err != nil {
		t.Errorf("curl %s: %v\n%s", strings.Join(curl, " "), err, out)
	}
}
