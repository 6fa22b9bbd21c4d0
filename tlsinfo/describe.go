package tlsinfo

import (
	"crypto/tls"
	"encoding/hex"
)

// Connection describes an established TLS connection: what was
// negotiated, seen from either end.
type Connection struct {
	Version string `json:"version"`
	Cipher  string `json:"cipher"`
	// KeyExchange is the group of the key exchange ("X25519MLKEM768");
	// empty for a resumption without one, and for TLS 1.2 RSA key
	// exchange.
	KeyExchange string `json:"key_exchange"`
	ALPN        string `json:"alpn"`
	// ServerName is the name the client asked for (SNI); empty when it
	// connected by IP address or sent none.
	ServerName string `json:"server_name"`
	Resumed    bool   `json:"resumed"`
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
	JA4     string `json:"ja4"`
	JA4R    string `json:"ja4_r"`
	JA3     string `json:"ja3"`
	JA3Hash string `json:"ja3_hash"`
	SNI     string `json:"sni"`
	// ALPN are the offered protocols as text; a value that is not UTF-8
	// shows with replacement characters (the JA4 part is exact).
	ALPN []string `json:"alpn"`
	// Versions are the supported_versions or, without that extension,
	// the legacy version alone.
	Versions            []Entry `json:"versions"`
	CipherSuites        []Entry `json:"cipher_suites"`
	Extensions          []Entry `json:"extensions"`
	SupportedGroups     []Entry `json:"supported_groups"`
	KeyShareGroups      []Entry `json:"key_share_groups"`
	SignatureAlgorithms []Entry `json:"signature_algorithms"`
	// MalformedExtensions are the extensions whose contents did not
	// parse, in wire order; each is in Extensions too, and the fields it
	// would have given are empty. crypto/tls refuses such a hello, so
	// only a failed handshake has any.
	MalformedExtensions []Entry `json:"malformed_extensions"`
}

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
	return &Hello{
		JA4:                 h.JA4(),
		JA4R:                h.JA4R(),
		JA3:                 h.JA3(),
		JA3Hash:             h.JA3Hash(),
		SNI:                 h.ServerName,
		ALPN:                alpn,
		Versions:            entries(versions, VersionName),
		CipherSuites:        entries(h.CipherSuites, CipherSuiteName),
		Extensions:          entries(h.Extensions, ExtensionName),
		SupportedGroups:     entries(h.SupportedGroups, GroupName),
		KeyShareGroups:      entries(h.KeyShareGroups, GroupName),
		SignatureAlgorithms: entries(h.SignatureAlgorithms, SignatureSchemeName),
		MalformedExtensions: entries(h.MalformedExtensions(), ExtensionName),
	}
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
