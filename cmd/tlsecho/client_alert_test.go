package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
)

// clientCertCase is a client certificate a server under mTLS refuses,
// and the words the client must find for it.
type clientCertCase struct {
	name      string
	cert, key string // files; empty: no client certificate
	want      string
}

// refusedClientCerts makes, for a server trusting caDir's CA, a client
// certificate from another CA, and an expired one and one not valid yet
// from the right CA.
func refusedClientCerts(t *testing.T, caDir string) []clientCertCase {
	t.Helper()
	otherCA, _ := secondCA(t)
	otherDir := filepath.Dir(otherCA)
	now := time.Now()
	expCert, expKey := datedClient(t, caDir, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	early := now.Add(24 * time.Hour)
	earlyCert, earlyKey := datedClient(t, caDir, early, early.Add(24*time.Hour))
	serverOnlyCert, serverOnlyKey := issuedClient(t, caDir, func(c *x509.Certificate) {
		c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	})
	sha1Cert, sha1Key := issuedClient(t, caDir, func(c *x509.Certificate) { c.SignatureAlgorithm = x509.ECDSAWithSHA1 })
	return []clientCertCase{
		// Both from the right CA: the alert's CA question would mislead.
		{"server certificate", serverOnlyCert, serverOnlyKey,
			"it rejected our client certificate from " + serverOnlyCert + " (bad certificate): its extended key usage lacks clientAuth"},
		{"SHA-1 signature", sha1Cert, sha1Key,
			"it rejected our client certificate from " + sha1Cert + " (unknown certificate authority): it is signed with ECDSA-SHA1, which servers refuse as insecure"},
		{"no certificate", "", "", "it requires a client certificate (mTLS): pass -cert and -key"},
		{"unknown CA", filepath.Join(otherDir, "cert.pem"), filepath.Join(otherDir, "key.pem"),
			"(unknown certificate authority)"},
		{"expired", expCert, expKey, "it refused our client certificate from " + expCert + " as expired (expired certificate): its validity ends "},
		{"not valid yet", earlyCert, earlyKey, "it refused our client certificate from " + earlyCert + " (expired certificate, the alert for one not valid yet too): it is not valid until " +
			fmtTime(early) + " (the time here is "},
	}
}

// datedClient issues, with the CA in caDir (ca.pem, ca-key.pem), a
// client certificate valid from notBefore to notAfter, and writes it and
// its key.
func datedClient(t *testing.T, caDir string, notBefore, notAfter time.Time) (certFile, keyFile string) {
	t.Helper()
	return issuedClient(t, caDir, func(c *x509.Certificate) { c.NotBefore, c.NotAfter = notBefore, notAfter })
}

// issuedClient issues, with the CA in caDir (ca.pem, ca-key.pem), a
// client certificate valid for a day, changed by edit before it is
// signed, and writes it and its key.
func issuedClient(t *testing.T, caDir string, edit func(*x509.Certificate)) (certFile, keyFile string) {
	t.Helper()
	ca, err := tls.LoadX509KeyPair(filepath.Join(caDir, "ca.pem"), filepath.Join(caDir, "ca-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(ca.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"dated.client.test"}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(9),
		Subject:      pkix.Name{CommonName: "dated.client.test"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	edit(tmpl)
	der, err := x509.CreateCertificate(nil, tmpl, caCert, leaf.Cert.Leaf.PublicKey, ca.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return writeGenerated(t, t.TempDir(), "dated-client", &certs.Generated{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  leaf.KeyPEM,
	})
}

// args are the client's flags for a case's certificate.
func (cc clientCertCase) args() []string {
	if cc.cert == "" {
		return nil
	}
	return []string{"-cert", cc.cert, "-key", cc.key}
}

// TestClientRefusedCertRealServer: the real server under
// TLSECHO_CLIENT_CA_FILE refuses a missing, foreign or expired client
// certificate after the client's TLS 1.3 handshake has ended on its side;
// the client names the server's reason, on both schemes and with a
// message or lines of standard input.
func TestClientRefusedCertRealServer(t *testing.T) {
	t.Parallel()
	dir, caFile, serverCert, serverKey, _ := mtlsSetup(t)
	ta := startApp(t, map[string]string{"CERT_FILE": serverCert, "KEY_FILE": serverKey, "CLIENT_CA_FILE": caFile})
	for _, cc := range refusedClientCerts(t, dir) {
		for kind, u := range urls(ta) {
			t.Run(cc.name+" "+kind, func(t *testing.T) {
				args := append([]string{"-ca", caFile, "-timeout", "5s"}, cc.args()...)
				r := runClient(t, "", append(args, u, "hello")...)
				r.want(t, exitFailure, nil, []string{"ended the connection: ", cc.want})
				r = runClient(t, "one\ntwo\n", append(args, u)...)
				r.want(t, exitFailure, nil, []string{"ended the connection: ", cc.want})
			})
		}
	}
}

// gatedWriter holds every write until open is closed (or ioWait passes),
// so the command goes on from its report only after an event in the test.
type gatedWriter struct {
	open <-chan struct{}
	buf  bytes.Buffer
}

func (g *gatedWriter) Write(p []byte) (int, error) {
	select {
	case <-g.open:
	case <-time.After(ioWait):
	}
	return g.buf.Write(p)
}

// resettingMTLSServer is a plain TLS 1.3 listener requiring client
// certificates from caFile: a refused client gets the alert crypto/tls
// sends, then a TCP reset at once, as servers that close without
// lingering do. Each reset is announced on the returned channel, after
// the socket is closed.
func resettingMTLSServer(t *testing.T, caFile string) (addr string, reset <-chan struct{}) {
	t.Helper()
	srv, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{*srv.Cert},
		MinVersion:   tls.VersionTLS13,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    certPool(t, caFile),
	})
	if err != nil {
		t.Fatal(err)
	}
	resets := make(chan struct{}, 16)
	acceptLoop(t, ln, func(c net.Conn) {
		tc := c.(*tls.Conn)
		tc.SetDeadline(time.Now().Add(ioWait))
		if err := tc.Handshake(); err == nil {
			io.Copy(tc, tc)
			tc.Close()
			return
		}
		tc.NetConn().(*net.TCPConn).SetLinger(0)
		tc.Close()
		resets <- struct{}{}
	})
	return ln.Addr().String(), resets
}

// TestClientAlertBeforeReset: a server that refuses the client's
// certificate sends its alert and resets. The client's TLS 1.3 handshake
// ended before that, and its first write fails on the reset; the alert
// is still there to read, and the client names it rather than the reset,
// with a message and with lines of standard input.
func TestClientAlertBeforeReset(t *testing.T) {
	t.Parallel()
	dir, caFile, _, _, _ := mtlsSetup(t)
	addr, reset := resettingMTLSServer(t, caFile)
	for _, cc := range refusedClientCerts(t, dir) {
		t.Run(cc.name, func(t *testing.T) {
			args := append([]string{"-insecure", "-timeout", "5s"}, cc.args()...)
			for _, tail := range [][]string{{"tls://" + addr, "hello"}, {"tls://" + addr}} {
				// The report is held until the server has reset, so the
				// client writes only after the reset has come.
				open := make(chan struct{})
				out := &gatedWriter{open: open}
				go func() {
					select {
					case <-reset:
					case <-time.After(ioWait):
					}
					close(open)
				}()
				var errb bytes.Buffer
				code := clientCmd(context.Background(), append(args, tail...), strings.NewReader("one\ntwo\n"), out, &errb)
				if code != exitFailure || !strings.Contains(errb.String(), "ended the connection: ") || !strings.Contains(errb.String(), cc.want) {
					t.Errorf("%s: exit %d, stderr %q; want exit %d naming the alert (%q)\nstdout:\n%s",
						tail, code, errb.String(), exitFailure, cc.want, out.buf.String())
				}
			}
		})
	}
}
