package tlsinfo

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
)

func TestDescribeCertificate(t *testing.T) {
	ca, err := certs.Generate(certs.GenerateOptions{IsCA: true, CommonName: "describe test CA"})
	if err != nil {
		t.Fatal(err)
	}
	self, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"localhost", "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	issued, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"a.test", "::1"}, Parent: ca.Cert})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		cert       *x509.Certificate
		selfSigned bool
		sans       string
		hostNames  []string
	}{
		{"self-signed", self.Cert.Leaf, true, "DNS:localhost, IP:127.0.0.1", []string{"localhost", "127.0.0.1"}},
		{"CA-issued", issued.Cert.Leaf, false, "DNS:a.test, IP:::1", []string{"a.test", "::1"}},
		{"the CA itself", ca.Cert.Leaf, true, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := DescribeCertificate(tt.cert)
			if d.SelfSigned != tt.selfSigned {
				t.Errorf("self-signed = %v", d.SelfSigned)
			}
			if strings.Join(d.SANStrings(), ", ") != tt.sans {
				t.Errorf("SANs %q, want %q", strings.Join(d.SANStrings(), ", "), tt.sans)
			}
			if strings.Join(d.HostNames(), ",") != strings.Join(tt.hostNames, ",") {
				t.Errorf("HostNames = %q", d.HostNames())
			}
			if d.Key != "ECDSA P-256" || d.Signature != "ECDSA-SHA256" {
				t.Errorf("key %q signature %q", d.Key, d.Signature)
			}
			if d.SHA256 != certs.Fingerprint(tt.cert.Raw) || len(d.SHA256Colons()) != 64+31 {
				t.Errorf("fingerprint %s / %s", d.SHA256, d.SHA256Colons())
			}
			// In JSON the SANs are the bare values, which the page joins.
			b, _ := json.Marshal(d)
			var back struct{ SANs []string }
			json.Unmarshal(b, &back)
			if strings.Join(back.SANs, ",") != strings.Join(tt.hostNames, ",") {
				t.Errorf("sans in JSON = %q", back.SANs)
			}
		})
	}
	if DescribeCertificate(nil) != nil {
		t.Error("nil certificate described")
	}
}

func TestDescribeHelloJSON(t *testing.T) {
	h := specExample()
	h.SupportedGroups = []uint16{0x8a8a, 0x11ec, 0x001d}
	h.KeyShareGroups = []uint16{0x8a8a, 0x11ec}
	b, err := json.Marshal(DescribeHello(h))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	json.Unmarshal(b, &got)
	for _, k := range []string{"ja4", "ja4_r", "ja3", "ja3_hash", "sni", "alpn", "versions", "cipher_suites",
		"extensions", "supported_groups", "key_share_groups", "signature_algorithms"} {
		if _, ok := got[k]; !ok {
			t.Errorf("no %q in %s", k, b)
		}
	}
	d := DescribeHello(h)
	want := []Entry{{0x8a8a, "8a8a", "GREASE"}, {0x11ec, "11ec", "X25519MLKEM768"}}
	if fmt.Sprint(d.KeyShareGroups) != fmt.Sprint(want) {
		t.Errorf("key shares %v, want %v", d.KeyShareGroups, want)
	}
	if e := d.CipherSuites[1]; e != (Entry{0x1301, "1301", "TLS_AES_128_GCM_SHA256"}) || !d.CipherSuites[0].GREASE() {
		t.Errorf("suites %v", d.CipherSuites[:2])
	}
	if e := d.Extensions[2]; e.Name != "server_name" {
		t.Errorf("extension %v", e)
	}
	if d.Versions[1].Name != "TLS 1.3" || d.SignatureAlgorithms[0].Name != "ecdsa_secp256r1_sha256" {
		t.Errorf("versions %v sigs %v", d.Versions, d.SignatureAlgorithms[0])
	}
	// Without supported_versions, the legacy version stands alone; empty
	// lists are [] rather than null.
	b, _ = json.Marshal(DescribeHello(&ClientHello{LegacyVersion: 0x0301}))
	if !strings.Contains(string(b), `"versions":[{"id":769,"hex":"0301","name":"TLS 1.0"}]`) ||
		!strings.Contains(string(b), `"cipher_suites":[]`) || !strings.Contains(string(b), `"alpn":[]`) {
		t.Errorf("legacy hello: %s", b)
	}
}

func TestRecent(t *testing.T) {
	r := &Recent{Size: 3}
	base := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range 5 {
		l := "tls"
		if i%2 == 1 {
			l = "https"
		}
		var err error
		if i == 4 {
			err = errors.New("tls: client offered only unsupported versions: [301]")
		}
		r.Add(Record{Time: base.Add(time.Duration(i) * time.Second), Listener: l, Peer: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1000 + i}, Err: err, Hello: specExample()})
	}
	got := r.List("")
	if len(got) != 3 || addrString(got[0].Peer) != "127.0.0.1:1004" || addrString(got[2].Peer) != "127.0.0.1:1002" {
		t.Fatalf("newest first, three kept: %v", got)
	}
	if tls := r.List("tls"); len(tls) != 2 || addrString(tls[0].Peer) != "127.0.0.1:1004" {
		t.Errorf("tls only: %v", tls)
	}

	srv := httptest.NewServer(r)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "?listener=tls")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if len(body) != 2 || body[0]["outcome"] != "client offered only unsupported versions: TLS 1.3, TLS 1.2" ||
		body[0]["time"] != "2025-01-02T03:04:09Z" || body[0]["listener"] != "tls" || body[1]["outcome"] != "ok" ||
		body[0]["ja4"] != "t13d1516h2_8daaf6152771_e5627efa2ab1" {
		t.Errorf("body %v", body)
	}
	// An entry without a hello has the same fields, empty: lists too.
	plain := &Recent{}
	plain.Add(Record{Time: base, Listener: "tls", Peer: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, Err: errors.New("tls: first record does not look like a TLS handshake")})
	b, err := json.Marshal(plain.List(""))
	if err != nil {
		t.Fatal(err)
	}
	var noHello []map[string]any
	if err := json.Unmarshal(b, &noHello); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"ja4", "ja4_r", "ja3", "ja3_hash", "sni"} {
		if v, ok := noHello[0][k]; !ok || v != "" {
			t.Errorf("entry without a hello: %s = %v (present %v), want \"\"", k, v, ok)
		}
	}
	for _, k := range []string{"alpn", "versions", "cipher_suites", "extensions", "supported_groups", "key_share_groups", "signature_algorithms"} {
		if v, ok := noHello[0][k].([]any); !ok || len(v) != 0 {
			t.Errorf("entry without a hello: %s = %v, want []", k, noHello[0][k])
		}
	}
	// Names as POST /faults takes them: any case.
	upper, err := http.Get(srv.URL + "?listener=TLS")
	if err != nil {
		t.Fatal(err)
	}
	upper.Body.Close()
	if upper.StatusCode != http.StatusOK {
		t.Errorf("?listener=TLS: status %d", upper.StatusCode)
	}
}

func TestKeyName(t *testing.T) {
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// Only the modulus size matters here; generating a real RSA key would
	// cost a second under the race detector.
	rsa2048 := &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 2047), E: 65537}
	tests := []struct {
		name string
		pub  any
		want string
	}{
		{"ecdsa p256", &p256.PublicKey, "ECDSA P-256"},
		{"ecdsa p384", &p384.PublicKey, "ECDSA P-384"},
		{"rsa 2048", rsa2048, "RSA-2048"},
		{"ed25519", edPub, "Ed25519"},
		{"none", nil, "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := KeyName(tt.pub); got != tt.want {
				t.Errorf("KeyName = %q, want %q", got, tt.want)
			}
		})
	}
}

// maxWrite is an http.ResponseWriter that keeps the body and the size of
// its largest single write.
type maxWrite struct {
	httptest.ResponseRecorder
	largest int
}

func (m *maxWrite) Write(b []byte) (int, error) {
	m.largest = max(m.largest, len(b))
	return m.ResponseRecorder.Write(b)
}

// TestRecentLargeHellos: /hellos with the largest ClientHellos a client
// can send (here 20,000 cipher suites each, none of which the server
// takes) is written a record at a time, so one request never holds the
// description of the whole list; each record lists the first MaxListed
// suites, says how many more there were, and stays within a few hundred
// KiB (it was 3 MB: 100 of them made /hellos 300 MB), while the
// fingerprints still cover every suite.
func TestRecentLargeHellos(t *testing.T) {
	r := &Recent{}
	suites := make([]uint16, 20000)
	for i := range suites {
		suites[i] = uint16(0xe000 + i)
	}
	// Two records make a list whose whole is twice one record, plain to
	// see in the largest write; the list is encoded, decoded and encoded
	// again below, and three more records took seconds more under -race
	// and proved nothing more.
	for i := range 2 {
		h := specExample()
		h.CipherSuites = suites
		r.Add(Record{Time: time.Now(), Listener: "tls", Peer: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: i}, Hello: h,
			Err: errors.New("tls: no cipher suite supported by both client and server; client offered: [e000 e001 ...]")})
	}
	one, err := json.MarshalIndent(r.List("")[0], "  ", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if len(one) > 400<<10 {
		t.Errorf("one record is %d KiB", len(one)>>10)
	}
	w := &maxWrite{ResponseRecorder: *httptest.NewRecorder()}
	r.ServeHTTP(w, httptest.NewRequest("GET", "/hellos", nil))
	if w.largest > len(one)+16 {
		t.Errorf("largest write %d bytes; one record is %d: the list was built whole", w.largest, len(one))
	}
	var body []struct {
		Peer         string         `json:"peer"`
		Outcome      string         `json:"outcome"`
		JA4R         string         `json:"ja4_r"`
		CipherSuites []Entry        `json:"cipher_suites"`
		Extensions   []Entry        `json:"extensions"`
		Omitted      map[string]int `json:"omitted"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("body is not one JSON array: %v", err)
	}
	if len(body) != 2 || body[0].Peer != "127.0.0.1:1" {
		t.Fatalf("%d records, first %q", len(body), body[0].Peer)
	}
	last := body[len(body)-1]
	if len(last.CipherSuites) != MaxListed || last.CipherSuites[MaxListed-1].ID != suites[MaxListed-1] ||
		!reflect.DeepEqual(last.Omitted, map[string]int{"cipher_suites": len(suites) - MaxListed}) {
		t.Errorf("%d cipher suites listed, omitted %v; want the first %d and {cipher_suites: %d}",
			len(last.CipherSuites), last.Omitted, MaxListed, len(suites)-MaxListed)
	}
	if len(last.Extensions) == 0 || strings.Contains(w.Body.String(), `"omitted": {}`) {
		t.Errorf("lists that fit are cut, or an empty omitted shows")
	}
	named := 0 // the outcome names every suite but GREASE
	for _, v := range suites {
		if !IsGREASE(v) {
			named++
		}
	}
	if !strings.HasSuffix(last.Outcome, " and "+strconv.Itoa(named-MaxListed)+" more") {
		t.Errorf("outcome does not cut the offered list: ...%s", last.Outcome[max(0, len(last.Outcome)-80):])
	}
	if n := strings.Count(last.JA4R, ",") + 1; n < len(suites) {
		t.Errorf("ja4_r covers %d values, fewer than the %d suites", n, len(suites))
	}
	// The same bytes as the list encoded at once, indented alike.
	whole, _ := json.MarshalIndent(r.List(""), "", "  ")
	if !bytes.Equal(w.Body.Bytes(), append(whole, '\n')) {
		t.Error("the body differs from the list encoded whole")
	}
	empty := httptest.NewRecorder()
	(&Recent{}).ServeHTTP(empty, httptest.NewRequest("GET", "/hellos", nil))
	if empty.Body.String() != "[]\n" {
		t.Errorf("no records: %q", empty.Body.String())
	}
}
