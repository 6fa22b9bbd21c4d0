package web

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/tlsecho/tlsecho/certs"
)

// infoPKI is a CA, a server certificate it issued, a self-signed server
// certificate and a client certificate, all in memory.
type infoPKI struct {
	ca, caServer, selfSigned, client *tls.Certificate
}

func newInfoPKI(t *testing.T) *infoPKI {
	t.Helper()
	gen := func(o certs.GenerateOptions) *tls.Certificate {
		g, err := certs.Generate(o)
		if err != nil {
			t.Fatal(err)
		}
		return g.Cert
	}
	p := &infoPKI{ca: gen(certs.GenerateOptions{IsCA: true, CommonName: "info test CA"})}
	p.caServer = gen(certs.GenerateOptions{Hosts: []string{"localhost", "127.0.0.1"}, Parent: p.ca})
	p.selfSigned = gen(certs.GenerateOptions{Hosts: []string{"localhost", "127.0.0.1", "::1"}})
	p.client = gen(certs.GenerateOptions{Hosts: []string{"alice.test"}, CommonName: "alice", Parent: p.ca})
	return p
}

var infoTests = []struct {
	name       string
	selfSigned bool // serve the self-signed certificate, else the CA-issued one
	maxVersion uint16
	mtls       bool
	host       string // Host header; empty: the URL's
	rawPort    int
	rawIP      net.IP // the raw listener's bound address; nil: every interface
	wantRawHP  string // host:port in the raw TLS commands
	wantSNI    string // -servername in the raw TLS commands, if any
	wantTLS    string
}{
	{name: "self-signed TLS 1.3", selfSigned: true, rawPort: 8433, wantRawHP: "127.0.0.1:8433", wantTLS: "TLS 1.3"},
	{name: "CA-issued TLS 1.2", maxVersion: tls.VersionTLS12, rawPort: 9001, wantRawHP: "127.0.0.1:9001", wantTLS: "TLS 1.2"},
	{name: "mTLS client certificate", mtls: true, rawPort: 8433, wantRawHP: "127.0.0.1:8433", wantTLS: "TLS 1.3"},
	{name: "host name from Host header", host: "echo.example.test:8443", rawPort: 4443, wantRawHP: "echo.example.test:4443", wantTLS: "TLS 1.3"},
	{name: "IPv6 host gets brackets", host: "[::1]:8443", rawPort: 8433, wantRawHP: "[::1]:8433", wantTLS: "TLS 1.3"},
	{name: "host without port", host: "localhost", rawPort: 8433, wantRawHP: "localhost:8433", wantTLS: "TLS 1.3"},
	{name: "raw listener on ::1, page by name", host: "localhost:8443", rawPort: 8433, rawIP: net.IPv6loopback, wantRawHP: "[::1]:8433", wantSNI: "localhost", wantTLS: "TLS 1.3"},
	{name: "raw listener on 127.0.0.2, page by address", rawPort: 8433, rawIP: net.IPv4(127, 0, 0, 2), wantRawHP: "127.0.0.2:8433", wantTLS: "TLS 1.3"},
	{name: "raw listener on [::], page by address", rawPort: 8433, rawIP: net.IPv6unspecified, wantRawHP: "127.0.0.1:8433", wantTLS: "TLS 1.3"},
}

// TestInfo serves /info over real TLS and checks every field against what
// the client itself saw on the connection.
func TestInfo(t *testing.T) {
	pki := newInfoPKI(t)
	for _, tt := range infoTests {
		t.Run(tt.name, func(t *testing.T) {
			serverCert := pki.caServer
			if tt.selfSigned {
				serverCert = pki.selfSigned
			}
			h := &InfoHandler{
				Certificate:     func() *x509.Certificate { return serverCert.Leaf },
				Compression:     tt.mtls, // any mix; checked below
				MaxMessageBytes: 4096,
				ClientAuth:      tt.mtls,
				RawTLSAddr: func() net.Addr {
					if tt.rawIP != nil {
						return &net.TCPAddr{IP: tt.rawIP, Port: tt.rawPort}
					}
					return &net.TCPAddr{IP: net.IPv4zero, Port: tt.rawPort}
				},
			}
			ts := httptest.NewUnstartedServer(h)
			ts.TLS = &tls.Config{Certificates: []tls.Certificate{*serverCert}}
			roots := x509.NewCertPool()
			roots.AddCert(serverCert.Leaf)
			roots.AddCert(pki.ca.Leaf)
			clientTLS := &tls.Config{RootCAs: roots, MaxVersion: tt.maxVersion}
			if tt.mtls {
				pool := x509.NewCertPool()
				pool.AddCert(pki.ca.Leaf)
				ts.TLS.ClientAuth = tls.RequireAndVerifyClientCert
				ts.TLS.ClientCAs = pool
				clientTLS.Certificates = []tls.Certificate{*pki.client}
			}
			ts.StartTLS()
			defer ts.Close()
			tr := &http.Transport{TLSClientConfig: clientTLS}
			defer tr.CloseIdleConnections()

			req, _ := http.NewRequest(http.MethodGet, ts.URL+"/info", nil)
			if tt.host != "" {
				req.Host = tt.host
			}
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for name, want := range map[string]string{
				"Content-Type":           "application/json; charset=utf-8",
				"Cache-Control":          "no-store",
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "no-referrer",
			} {
				if got := resp.Header.Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			var got info
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				t.Fatalf("decode: %v", err)
			}

			leaf := serverCert.Leaf
			c := got.Certificate
			if c == nil {
				t.Fatal("no certificate in /info")
			}
			sum := sha256.Sum256(leaf.Raw)
			if c.Subject != leaf.Subject.String() || c.Issuer != leaf.Issuer.String() {
				t.Errorf("subject/issuer = %q / %q, want %q / %q", c.Subject, c.Issuer, leaf.Subject, leaf.Issuer)
			}
			if c.SelfSigned != tt.selfSigned {
				t.Errorf("self_signed = %v, want %v", c.SelfSigned, tt.selfSigned)
			}
			wantSANs := []string{"localhost", "127.0.0.1"}
			if tt.selfSigned {
				wantSANs = append(wantSANs, "::1")
			}
			var sans []string
			for _, san := range c.SANs {
				sans = append(sans, san.Value)
			}
			if !slices.Equal(sans, wantSANs) {
				t.Errorf("sans = %q, want %q", c.SANs, wantSANs)
			}
			if !c.NotAfter.Equal(leaf.NotAfter) || !c.NotBefore.Equal(leaf.NotBefore) {
				t.Errorf("validity = %v..%v, want %v..%v", c.NotBefore, c.NotAfter, leaf.NotBefore, leaf.NotAfter)
			}
			if c.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("sha256 = %s, want %x", c.SHA256, sum)
			}

			// The connection as the client saw it.
			cs := resp.TLS
			if got.TLS == nil {
				t.Fatal("no tls in /info")
			}
			if got.TLS.Version != tt.wantTLS || got.TLS.Version != tls.VersionName(cs.Version) {
				t.Errorf("version = %q, want %q (client saw %s)", got.TLS.Version, tt.wantTLS, tls.VersionName(cs.Version))
			}
			if want := tls.CipherSuiteName(cs.CipherSuite); got.TLS.Cipher != want {
				t.Errorf("cipher = %q, want %q", got.TLS.Cipher, want)
			}
			if got.TLS.ALPN != cs.NegotiatedProtocol {
				t.Errorf("alpn = %q, client negotiated %q", got.TLS.ALPN, cs.NegotiatedProtocol)
			}

			if tt.mtls {
				if got.ClientCertificate == nil {
					t.Fatal("no client_certificate with mTLS")
				}
				if want := pki.client.Leaf.Subject.String(); got.ClientCertificate.Subject != want || !strings.Contains(want, "CN=alice") {
					t.Errorf("client subject = %q, want %q", got.ClientCertificate.Subject, want)
				}
				if want := pki.ca.Leaf.Subject.String(); got.ClientCertificate.Issuer != want {
					t.Errorf("client issuer = %q, want %q", got.ClientCertificate.Issuer, want)
				}
			} else if got.ClientCertificate != nil {
				t.Errorf("client_certificate = %+v without mTLS", got.ClientCertificate)
			}
			if got.ClientAuth != tt.mtls {
				t.Errorf("client_auth = %v, want %v", got.ClientAuth, tt.mtls)
			}
			if got.WebSocket.Compression != tt.mtls || got.WebSocket.MaxMessageBytes != 4096 {
				t.Errorf("websocket = %+v, want compression %v, max 4096", got.WebSocket, tt.mtls)
			}

			r := got.RawTLS
			if r == nil {
				t.Fatal("no raw_tls in /info")
			}
			if r.Port != tt.rawPort {
				t.Errorf("raw port = %d, want %d", r.Port, tt.rawPort)
			}
			wantOpenSSL, wantClient := "openssl s_client -connect "+tt.wantRawHP, "tlsecho client tls://"+tt.wantRawHP
			if tt.wantSNI != "" {
				wantOpenSSL += " -servername " + tt.wantSNI
				wantClient = "tlsecho client -servername " + tt.wantSNI + " tls://" + tt.wantRawHP
			}
			if r.OpenSSL != wantOpenSSL {
				t.Errorf("openssl = %q, want %q", r.OpenSSL, wantOpenSSL)
			}
			if r.Client != wantClient {
				t.Errorf("tlsecho = %q, want %q", r.Client, wantClient)
			}
		})
	}
}

// TestInfoWithoutTLSOrOptions checks the zero handler over plain HTTP:
// the sections it cannot know are null, not made up.
func TestInfoWithoutTLSOrOptions(t *testing.T) {
	ts := httptest.NewServer(&InfoHandler{})
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/info")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"certificate", "tls", "client_certificate", "raw_tls"} {
		if string(got[k]) != "null" {
			t.Errorf("%s = %s, want null", k, got[k])
		}
	}
}

// TestInfoMethods: only GET and HEAD are answered.
func TestInfoMethods(t *testing.T) {
	ts := httptest.NewTLSServer(&InfoHandler{})
	defer ts.Close()
	for _, tt := range []struct {
		method string
		status int
	}{
		{http.MethodGet, http.StatusOK},
		{http.MethodHead, http.StatusOK},
		{http.MethodPost, http.StatusMethodNotAllowed},
		{http.MethodDelete, http.StatusMethodNotAllowed},
	} {
		t.Run(tt.method, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, ts.URL, nil)
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("%s = %d, want %d", tt.method, resp.StatusCode, tt.status)
			}
			if tt.status == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow = %q", resp.Header.Get("Allow"))
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no X-Content-Type-Options on", tt.method)
			}
		})
	}
}

var clientHostTests = []struct {
	name, header, want string
}{
	{"name and port", "echo.example:8443", "echo.example"},
	{"IPv4", "127.0.0.1:8443", "127.0.0.1"},
	{"IPv6", "[2001:db8::1]:8443", "2001:db8::1"},
	{"no port", "localhost", "localhost"},
	{"underscore", "a_b.example:8443", "a_b.example"},
	{"empty", "", "localhost"},
	{"shell metacharacters", "a;rm -rf ~:8443", "localhost"},
	{"command substitution", "$(id)", "localhost"},
	{"IPv6 zone", "[fe80::1%eth0]:8443", "localhost"},
	{"too long", strings.Repeat("a", 254), "localhost"},
}

// TestInfoClientHost checks the host put into the copyable commands: the
// client's own Host header, unless it is not a plain name or address.
func TestInfoClientHost(t *testing.T) {
	for _, tt := range clientHostTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := clientHost(tt.header); got != tt.want {
				t.Errorf("clientHost(%q) = %q, want %q", tt.header, got, tt.want)
			}
		})
	}
}
