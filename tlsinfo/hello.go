package tlsinfo

import (
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
)

// Extension numbers the parser reads (IANA "TLS ExtensionType Values").
const (
	extServerName          = 0x0000
	extSupportedGroups     = 0x000a
	extECPointFormats      = 0x000b
	extSignatureAlgorithms = 0x000d
	extALPN                = 0x0010
	extSupportedVersions   = 0x002b
	extKeyShare            = 0x0033
)

// typeClientHello is the handshake message type of a ClientHello
// (RFC 8446 section 4).
const typeClientHello = 1

// ClientHello is what a client offered in its first ClientHello, as it was
// on the wire: every list keeps the client's order and its GREASE values
// (RFC 8701), which the fingerprints leave out.
type ClientHello struct {
	// LegacyVersion is the client_version field: 0x0303 for TLS 1.2 and
	// 1.3 clients, which say what they support in SupportedVersions.
	LegacyVersion uint16
	// SupportedVersions is the supported_versions extension (RFC 8446
	// section 4.2.1); nil when the client did not send one. A client
	// that sent it more than once has the values of all of them here.
	SupportedVersions []uint16
	// CipherSuites are the offered cipher suites, signalling values such as
	// TLS_EMPTY_RENEGOTIATION_INFO_SCSV included.
	CipherSuites []uint16
	// CompressionMethods are the legacy compression methods (only 0 is
	// valid today).
	CompressionMethods []uint8
	// Extensions are the extension types in wire order.
	Extensions []uint16
	// ServerName is the host_name of the server_name extension (SNI).
	ServerName string
	// alpn is the ALPN extension's protocol_name_list as sent (RFC 7301),
	// each value behind its 1-byte length (see [ClientHello.ALPN]). It is
	// kept in one piece: as a []string, a list of 1-byte values would
	// take 16 bytes of memory for every 2 on the wire, and a hello is
	// kept for its connection's life.
	alpn string
	// SupportedGroups is the supported_groups extension (RFC 8422, 8446);
	// the last one when it was sent more than once, as JA3 takes it.
	SupportedGroups []uint16
	// KeyShareGroups are the groups of the key_share entries the client
	// sent (RFC 8446 section 4.2.8), in order; the keys are not kept.
	KeyShareGroups []uint16
	// SignatureAlgorithms is the signature_algorithms extension; the
	// first one when it was sent more than once.
	SignatureAlgorithms []uint16
	// SSLv2 tells a hello sent in the SSL 2.0 format that SSL 3.0 and
	// TLS clients once sent to reach SSL 2.0 servers too (RFC 5246
	// appendix E.2), which crypto/tls refuses. It has no extensions; its
	// cipher specs that TLS has are in CipherSuites.
	SSLv2 bool
	// sslv2Only counts the cipher specs of an SSLv2 hello that only SSL
	// 2.0 has (no TLS number: 0x010080, SSL_CK_RC4_128_WITH_MD5).
	sslv2Only int
	// ECPointFormats is the ec_point_formats extension (RFC 8422), which
	// JA3 includes; the last one when it was sent more than once.
	ECPointFormats []uint8
	// malformed tells the extensions whose contents crypto/tls refuses (see
	// [ClientHello.MalformedExtensions]); nil when all did. It is a
	// pointer, set only for such a hello, which crypto/tls refuses: the
	// hellos it takes are kept for their connection's life, and 48 bytes
	// of these fields inline took a ClientHello from the allocator's
	// 256-byte size class to its 320-byte one.
	malformed *malformation
}

// ALPN returns the protocols of the ALPN extension (RFC 7301), in the
// client's order; nil without one. A value may hold any bytes; it is
// returned as sent.
func (h *ClientHello) ALPN() []string {
	var protos []string
	for rest := h.alpn; len(rest) > 0; {
		n := int(rest[0])
		protos = append(protos, rest[1:1+n])
		rest = rest[1+n:]
	}
	return protos
}

// firstALPN is the first ALPN value, "" without one.
func (h *ClientHello) firstALPN() string {
	if h.alpn == "" {
		return ""
	}
	return h.alpn[1 : 1+int(h.alpn[0])]
}

// ErrNotClientHello is returned (wrapped) for bytes that are not a TLS
// handshake starting with a ClientHello: plain HTTP on a TLS port, a
// TLS or SSL 2.0 message other than a hello, random noise.
var ErrNotClientHello = errors.New("tlsinfo: not a TLS ClientHello")

// Parse decodes one ClientHello handshake message: the 4-byte handshake
// header (type 1 and a 24-bit length) followed by the body, with nothing
// after it. It never allocates more than a small multiple of len(msg).
// An extension whose contents crypto/tls refuses is no error: the hello
// is returned with it in [ClientHello.MalformedExtensions], with the
// fields it gives as that method says. A cipher list or extensions
// block that does not parse is.
func Parse(msg []byte) (*ClientHello, error) {
	s := cryptobyte.String(msg)
	var typ uint8
	var body cryptobyte.String
	if !s.ReadUint8(&typ) || !s.ReadUint24LengthPrefixed(&body) {
		return nil, errors.New("tlsinfo: ClientHello: truncated handshake header")
	}
	if typ != typeClientHello {
		return nil, fmt.Errorf("%w: handshake message type %d", ErrNotClientHello, typ)
	}
	if !s.Empty() {
		return nil, errors.New("tlsinfo: ClientHello: trailing bytes after the message")
	}
	return parseBody(body)
}

func parseBody(s cryptobyte.String) (*ClientHello, error) {
	h := new(ClientHello)
	var sessionID, suites, compression cryptobyte.String
	if !s.ReadUint16(&h.LegacyVersion) ||
		!s.Skip(32) || // random
		// Any length: crypto/tls takes and echoes a legacy_session_id
		// over the 32 bytes RFC 8446 allows, and what it takes is shown.
		!s.ReadUint8LengthPrefixed(&sessionID) ||
		!s.ReadUint16LengthPrefixed(&suites) ||
		!s.ReadUint8LengthPrefixed(&compression) {
		return nil, errors.New("tlsinfo: ClientHello: truncated before the extensions")
	}
	// The hello's lists of 16-bit values share one allocation, sized for
	// the extension types, the suites and the lists of a browser's hello.
	exts := extensionCount(s)
	st := parseState{values: make([]uint16, 0, exts+len(suites)/2+48)}
	if len(suites)%2 != 0 {
		return nil, errors.New("tlsinfo: ClientHello: odd length of cipher_suites")
	}
	h.CipherSuites = st.readUint16s(suites)
	if len(compression) > 0 {
		h.CompressionMethods = append([]uint8(nil), compression...)
	}
	if s.Empty() {
		// A hello without extensions (SSL 3.0 and some old TLS clients)
		// ends here (RFC 5246 section 7.4.1.2).
		return h, nil
	}
	var block cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&block) || !s.Empty() {
		return nil, errors.New("tlsinfo: ClientHello: malformed extensions block")
	}
	if exts > 0 {
		h.Extensions = st.take(exts)
	}
	for !block.Empty() {
		var typ uint16
		var data cryptobyte.String
		if !block.ReadUint16(&typ) || !block.ReadUint16LengthPrefixed(&data) {
			return nil, errors.New("tlsinfo: ClientHello: truncated extension")
		}
		h.Extensions = append(h.Extensions, typ)
		// An extension whose contents crypto/tls refuses costs at most
		// the fields it would have given, not the hello: what the
		// client offered is what explains the refusal.
		if why, named := h.parseExtension(typ, data, &st, block.Empty()); why != "" {
			h.noteMalformed(typ, why, named)
		}
	}
	h.alpn = string(st.alpn)
	return h, nil
}

// parseState is what parseExtension carries from one extension to the
// next.
//
// An extension sent twice (RFC 8446 section 4.2 forbids it; crypto/tls
// refuses the hello, after it has been recorded) is taken as the
// fingerprints' reference code takes it, which reads every occurrence
// from Wireshark's dissection: JA4's version is the highest of all the
// supported_versions values, its ALPN the first value of all, its
// signature algorithms those of the first signature_algorithms
// extension; JA3's supported groups and point formats are those of the
// last occurrence, as Salesforce's ja3.py overwrites them extension by
// extension.
type parseState struct {
	// alpn holds the lists of every ALPN extension, made a string once at
	// the end: adding to a string per extension would copy it each time,
	// and a 64 KiB hello of 8,000 ALPN extensions would cost 64 MiB.
	alpn []byte
	// sawSignatureAlgorithms tells that the first signature_algorithms
	// extension has been taken.
	sawSignatureAlgorithms bool
	// values is where the hello's lists of 16-bit values are carved from
	// (take), one allocation for all of them.
	values []uint16
}

// take returns an empty list with room for n values, from values while
// they last.
func (st *parseState) take(n int) []uint16 {
	v := st.values
	if n > cap(v)-len(v) {
		return make([]uint16, 0, n)
	}
	// The capacity ends at the list's room: a list that grows past it
	// (a repeated extension) moves out rather than over the next one.
	st.values = v[:len(v)+n]
	return v[len(v) : len(v) : len(v)+n]
}

// extensionCount is how many whole extensions the extensions block
// after the hello's other fields, s, holds: the room for their types. It
// counts with indexes, not cryptobyte, whose every read writes a pointer
// (and while the collector runs, through a write barrier).
func extensionCount(s cryptobyte.String) int {
	if len(s) < 2 {
		return 0
	}
	n, _ := countPrefixed(s[2:min(len(s), 2+(int(s[0])<<8|int(s[1])))])
	return n
}

// countKeyShares is how many whole entries the key_share list holds, and
// whether they are all of it.
func countKeyShares(list cryptobyte.String) (n int, whole bool) {
	n, rest := countPrefixed(list)
	return n, len(rest) == 0
}

// countPrefixed counts the whole items of b, each a 16-bit type followed
// by a 16-bit length and that many bytes, and returns what follows them.
func countPrefixed(b []byte) (int, []byte) {
	n := 0
	for len(b) >= 4 {
		end := 4 + (int(b[2])<<8 | int(b[3]))
		if end > len(b) {
			break
		}
		b = b[end:]
		n++
	}
	return n, b
}

// parseExtension decodes the contents of the extensions the description
// shows and checks those of the others crypto/tls reads (see
// checkContents). It returns what crypto/tls refuses in them, "" when it
// takes them. Contents that do not decode leave h as it was: each case
// reads the whole extension before it sets anything. Contents that decode
// but break one of crypto/tls's rules (an empty list, an empty name, a
// host name ending in a dot) set the fields they give, as Wireshark shows
// them and the fingerprints' reference code reads them; named then tells
// a server_name that showed a name. last tells the extension that ends
// the block.
func (h *ClientHello) parseExtension(typ uint16, data cryptobyte.String, st *parseState, last bool) (why string, named bool) {
	var list cryptobyte.String
	switch typ {
	case extServerName:
		return h.parseServerName(data)
	case extALPN:
		if why := readList(data, 2, &list); why != "" {
			return why, false
		}
		whole := list
		// RFC 7301 section 3.1: the list holds at least one name, and a
		// name at least one byte.
		if list.Empty() {
			why = emptyList
		}
		for !list.Empty() {
			var proto cryptobyte.String
			if !list.ReadUint8LengthPrefixed(&proto) {
				return "a protocol name overruns its list", false
			}
			if proto.Empty() && why == "" {
				why = "a protocol name in it is empty"
			}
		}
		st.alpn = append(st.alpn, whole...)
	case extSupportedGroups:
		if why := readUint16List(data, &list); why != "" {
			return why, false
		}
		h.SupportedGroups = st.readUint16s(list)
		return nonEmpty(list), false // RFC 8446 section 4.2.7
	case extSignatureAlgorithms:
		if why := readUint16List(data, &list); why != "" {
			return why, false
		}
		if !st.sawSignatureAlgorithms { // a second one: checked, not kept
			st.sawSignatureAlgorithms = true
			h.SignatureAlgorithms = st.readUint16s(list)
		}
		return nonEmpty(list), false // RFC 8446 section 4.2.3
	case extSupportedVersions:
		if why := readList(data, 1, &list); why != "" {
			return why, false
		}
		if len(list)%2 != 0 {
			return oddList, false
		}
		if h.SupportedVersions == nil {
			h.SupportedVersions = st.take(len(list) / 2) // present, maybe empty
		}
		// RFC 8446 section 4.2.1: at least one version.
		why = nonEmpty(list)
		// Every occurrence's values, in wire order.
		for !list.Empty() {
			var v uint16
			list.ReadUint16(&v)
			h.SupportedVersions = append(h.SupportedVersions, v)
		}
	case extECPointFormats:
		if why := readList(data, 1, &list); why != "" {
			return why, false
		}
		h.ECPointFormats = append([]uint8(nil), list...)
		return nonEmpty(list), false // RFC 8422 section 5.1.2
	case extKeyShare:
		if why := readList(data, 2, &list); why != "" {
			return why, false
		}
		n, whole := countKeyShares(list)
		if !whole {
			return "a key share overruns its list", false
		}
		if h.KeyShareGroups == nil {
			h.KeyShareGroups = st.take(n)
		}
		for !list.Empty() {
			var group uint16
			var key cryptobyte.String
			list.ReadUint16(&group)
			list.ReadUint16LengthPrefixed(&key)
			h.KeyShareGroups = append(h.KeyShareGroups, group)
			// RFC 8446 section 4.2.8: a key is at least one byte.
			if key.Empty() && why == "" {
				why = "a key share's key is empty"
			}
		}
		if len(h.KeyShareGroups) == 0 {
			h.KeyShareGroups = nil // no entries: as before any was taken
		}
	default:
		return checkContents(typ, data, last), false
	}
	return why, false
}

// duplicateExtension is the first extension type h holds a second time,
// in wire order, and the index in Extensions of that second one: the one
// crypto/tls stops at. A nil h has none.
func (h *ClientHello) duplicateExtension() (typ uint16, at int, ok bool) {
	if h == nil {
		return 0, 0, false
	}
	seen := make(map[uint16]bool, len(h.Extensions))
	for i, e := range h.Extensions {
		if seen[e] {
			return e, i, true
		}
		seen[e] = true
	}
	return 0, 0, false
}

// readUint16s reads a list of 16-bit values whose even length the caller
// has checked, as a TLS stack refuses an odd one.
func (st *parseState) readUint16s(s cryptobyte.String) []uint16 {
	if len(s) == 0 {
		return nil
	}
	out := st.take(len(s) / 2)
	for !s.Empty() {
		var v uint16
		s.ReadUint16(&v)
		out = append(out, v)
	}
	return out
}
