package tlsinfo

import (
	"crypto/tls"
	"encoding/hex"
)

// Connection describes an established TLS connection: what was
// negotiated, seen from either end.
type Connection struct {
	// Version and Cipher are named as crypto/tls names them ("TLS 1.3",
	// "TLS_AES_128_GCM_SHA256").
	Version string `json:"version"`
	Cipher  string `json:"cipher"`
	// KeyExchange is the group of the key exchange ("X25519MLKEM768");
	// empty for a resumption without one, and for TLS 1.2 RSA key
	// exchange.
	KeyExchange string `json:"key_exchange"`
	// ALPN is the negotiated protocol; empty when none was.
	ALPN string `json:"alpn"`
	// ServerName is the name the client asked for (SNI); empty when it
	// connected by IP address or sent none.
	ServerName string `json:"server_name"`
	// Resumed tells a session resumed from an earlier one.
	Resumed bool `json:"resumed"`
	// PeerCertificate is the other end's certificate as it was sent
	// (verified or not); nil when it sent none.
	PeerCertificate *Certificate `json:"-"`
}

// DescribeConnection describes an established connection's state.
func DescribeConnection(cs *tls.ConnectionState) *Connection {
	c := &Connection{
		Version:    tls.VersionName(cs.Version),
		Cipher:     tls.CipherSuiteName(cs.CipherSuite),
		ALPN:       cs.NegotiatedProtocol,
		ServerName: cs.ServerName,
		Resumed:    cs.DidResume,
	}
	if cs.CurveID != 0 {
		c.KeyExchange = GroupName(uint16(cs.CurveID))
		if c.KeyExchange == "unknown" {
			c.KeyExchange = cs.CurveID.String()
		}
	}
	if len(cs.PeerCertificates) > 0 {
		c.PeerCertificate = DescribeCertificate(cs.PeerCertificates[0])
	}
	return c
}

// LogAttrs are the key-value pairs a log line about the connection
// carries, for slog's variadic methods.
func (c *Connection) LogAttrs() []any {
	attrs := []any{
		"version", c.Version,
		"cipher", c.Cipher,
		"key_exchange", c.KeyExchange,
		"alpn", c.ALPN,
		"sni", c.ServerName,
		"resumed", c.Resumed,
	}
	if c.PeerCertificate != nil {
		attrs = append(attrs, "client", c.PeerCertificate.Subject)
	}
	return attrs
}

// Hello describes a ClientHello for people and scripts: the fingerprints
// and every list with its names. Its JSON is the client_hello object of
// /info and the body of each /hellos entry.
type Hello struct {
	// JA4 and JA4R are FoxIO's JA4 fingerprint and its raw form; JA3 is
	// Salesforce's JA3 string and JA3Hash its MD5, in hex (see the
	// package documentation).
	JA4     string `json:"ja4"`
	JA4R    string `json:"ja4_r"`
	JA3     string `json:"ja3"`
	JA3Hash string `json:"ja3_hash"`
	// SNI is the host name the client asked for; empty without one.
	SNI string `json:"sni"`
	// ALPN are the offered protocols as text; a value that is not UTF-8
	// shows with replacement characters (the JA4 part is exact).
	ALPN []string `json:"alpn"`
	// Versions are the supported_versions or, without that extension,
	// the legacy version alone.
	Versions []Entry `json:"versions"`
	// The lists below hold the values in the order the client sent
	// them, GREASE included; each is cut at MaxListed (see Omitted).
	CipherSuites        []Entry `json:"cipher_suites"`
	Extensions          []Entry `json:"extensions"`
	SupportedGroups     []Entry `json:"supported_groups"`
	KeyShareGroups      []Entry `json:"key_share_groups"`
	SignatureAlgorithms []Entry `json:"signature_algorithms"`
	// MalformedExtensions are the extensions whose contents crypto/tls
	// refuses as it decodes them, in wire order; each is in Extensions
	// too. One whose contents do not decode gives none of its fields;
	// one that decodes but breaks a rule (an empty list, a host name
	// ending in a dot) gives them as decoded. crypto/tls refuses such a
	// hello, so only a failed handshake has any.
	MalformedExtensions []Entry `json:"malformed_extensions"`
	// Omitted says, for each list cut at MaxListed entries, how many
	// more it held; absent when none was cut. No client sends such a
	// list but one testing a server's limits (a 64 KiB hello holds up to
	// 32,000 cipher suites), and each entry described is about 90 bytes
	// of JSON: /hellos of 100 such hellos was 300 MB. The fingerprints
	// still cover every value.
	Omitted map[string]int `json:"omitted,omitempty"`
}

// MaxListed is the most entries a list of a described hello shows. Real
// clients offer a few dozen of each.
const MaxListed = 512

// Entry is one value of a list: its number, the same as 4 lower-case hex
// digits, and its IANA name ("GREASE" or "unknown" otherwise).
type Entry struct {
	ID   uint16 `json:"id"`
	Hex  string `json:"hex"`
	Name string `json:"name"`
}

// GREASE tells an entry that is a GREASE value.
func (e Entry) GREASE() bool { return IsGREASE(e.ID) }

// DescribeHello describes h; nil gives nil. Lists are never null in the
// JSON, so a script can always iterate them.
func DescribeHello(h *ClientHello) *Hello {
	if h == nil {
		return nil
	}
	versions := h.SupportedVersions
	if versions == nil {
		versions = []uint16{h.LegacyVersion}
	}
	alpn := h.ALPN()
	if alpn == nil {
		alpn = []string{}
	}
	d := &Hello{
		JA4:     h.JA4(),
		JA4R:    h.JA4R(),
		JA3:     h.JA3(),
		JA3Hash: h.JA3Hash(),
		SNI:     h.ServerName,
		ALPN:    alpn,
	}
	if n := len(alpn) - MaxListed; n > 0 {
		d.ALPN = alpn[:MaxListed]
		d.omit("alpn", n)
	}
	for _, l := range []struct {
		name   string
		to     *[]Entry
		values []uint16
		nameOf func(uint16) string
	}{
		{"versions", &d.Versions, versions, VersionName},
		{"cipher_suites", &d.CipherSuites, h.CipherSuites, CipherSuiteName},
		{"extensions", &d.Extensions, h.Extensions, ExtensionName},
		{"supported_groups", &d.SupportedGroups, h.SupportedGroups, GroupName},
		{"key_share_groups", &d.KeyShareGroups, h.KeyShareGroups, GroupName},
		{"signature_algorithms", &d.SignatureAlgorithms, h.SignatureAlgorithms, SignatureSchemeName},
		{"malformed_extensions", &d.MalformedExtensions, h.MalformedExtensions(), ExtensionName},
	} {
		if n := len(l.values) - MaxListed; n > 0 {
			l.values = l.values[:MaxListed]
			d.omit(l.name, n)
		}
		*l.to = entries(l.values, l.nameOf)
	}
	return d
}

// omit notes that n entries of the list named were left out.
func (d *Hello) omit(list string, n int) {
	if d.Omitted == nil {
		d.Omitted = make(map[string]int)
	}
	d.Omitted[list] = n
}

// emptyHello describes no hello with every field there, empty, its lists
// [] as DescribeHello's never null ones: for a record whose client sent
// none.
func emptyHello() *Hello {
	return &Hello{ALPN: []string{}, Versions: []Entry{}, CipherSuites: []Entry{}, Extensions: []Entry{},
		SupportedGroups: []Entry{}, KeyShareGroups: []Entry{}, SignatureAlgorithms: []Entry{}, MalformedExtensions: []Entry{}}
}

func entries(vs []uint16, name func(uint16) string) []Entry {
	out := make([]Entry, len(vs))
	for i, v := range vs {
		out[i] = Entry{ID: v, Hex: hex.EncodeToString([]byte{byte(v >> 8), byte(v)}), Name: name(v)}
	}
	return out
}
