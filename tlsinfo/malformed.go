package tlsinfo

import "golang.org/x/crypto/cryptobyte"

// A hello whose extensions block is whole but one extension's contents
// crypto/tls refuses (an empty server_name, an odd-length
// supported_groups, a key share cut short, an empty ALPN list, a host
// name ending in a dot) is kept, not thrown away: crypto/tls refuses it
// with a bare "error decoding message", and what the client offered is
// what tells its owner why. The checks are crypto/tls's, one for one,
// each named by the RFC rule it enforces. A hello whose cipher list or
// extensions block does not parse still fails whole: past those,
// nothing can be told apart.
//
// The refused extension stays in Extensions, so it counts in JA4's
// extension count and list and in JA3's extension list: its type was on
// the wire. Its fields follow what FoxIO's reference code sees: its JA4
// reads every extension type Wireshark shows, and each other field from
// Wireshark's decoded field (tls.handshake.extensions_server_name for
// "d", the ALPN string, the versions, the signature algorithms).
//
// Contents that do not decode (a list that overruns its extension, an
// odd length, bytes after the list) give none of their fields, as
// Wireshark cannot decode them: no SNI (JA4 "i"), no ALPN ("00"), no
// supported_versions (the legacy version), no signature algorithms, no
// groups or point formats in JA3, no key shares. An extension sent
// twice, one occurrence whole and one not, gives what the whole one
// gives, as if it alone had been sent.
//
// Contents that decode but break a rule (an empty list, an empty name, a
// host name ending in a dot or a second one, an empty key) give their
// fields as decoded, as Wireshark shows them: "localhost." is the SNI
// and JA4 "d"; an empty list gives no value, which the fingerprints take
// as they take no extension; an empty first ALPN name gives "00", as the
// JA4 specification says. Wireshark shows no empty server name, so a
// server_name whose list is empty or holds empty names only gives "i".

// oddList is what is wrong with a list of 16-bit values of odd length.
const oddList = "its list has an odd length"

// readList reads an extension body that is one list behind a length of
// lenBytes (1 or 2) bytes, with nothing after it, and says what is wrong
// when the body is not that; "" when it is.
func readList(data cryptobyte.String, lenBytes int, list *cryptobyte.String) (why string) {
	n := len(data)
	var ok bool
	if lenBytes == 1 {
		ok = data.ReadUint8LengthPrefixed(list)
	} else {
		ok = data.ReadUint16LengthPrefixed(list)
	}
	switch {
	case ok && data.Empty():
		return ""
	case ok:
		return "bytes follow its list"
	case n == 0:
		return "it is empty"
	case n < lenBytes:
		return "it is too short to hold its list's length"
	}
	return "its list overruns the extension"
}

// readUint16List is readList of a list of 16-bit values behind a 2-byte
// length, which must be even.
func readUint16List(data cryptobyte.String, list *cryptobyte.String) (why string) {
	if why := readList(data, 2, list); why != "" {
		return why
	}
	if len(*list)%2 != 0 {
		return oddList
	}
	return ""
}

// malformation is what was wrong with a hello's extensions whose contents
// crypto/tls refuses.
type malformation struct {
	types []uint16 // one per occurrence, in wire order
	// named tells, per occurrence, a server_name refused though it
	// decoded and showed a name, which keeps JA4's "d" (see namesServer).
	named []bool
	at    int    // the index in Extensions of the first
	why   string // what was wrong with the first, for the outcome
}

// MalformedExtensions returns the types of the extensions whose contents
// crypto/tls refuses, one per occurrence, in wire order; nil when it
// takes them all. Each is still in Extensions. One whose contents do not
// decode gives none of its fields, as if it had not been sent; one that
// decodes but breaks a rule crypto/tls enforces (an empty list, a host
// name ending in a dot) gives them as decoded. crypto/tls refuses such a
// hello.
func (h *ClientHello) MalformedExtensions() []uint16 {
	if h.malformed == nil {
		return nil
	}
	return h.malformed.types
}

// noteMalformed records that crypto/tls refuses the contents of the
// extension of type typ, the last in h.Extensions, and keeps why for the
// first such. named tells a server_name that decoded and showed a name.
func (h *ClientHello) noteMalformed(typ uint16, why string, named bool) {
	if h.malformed == nil {
		h.malformed = &malformation{at: len(h.Extensions) - 1, why: why}
	}
	h.malformed.types = append(h.malformed.types, typ)
	h.malformed.named = append(h.malformed.named, named)
}

// namesServer tells whether h holds a server_name that shows a name, as
// Wireshark, which FoxIO's reference code reads JA4's "d" from, shows it:
// one crypto/tls takes (it always holds a name) or one it refuses that
// decoded with a name of any type in it (one ending in a dot, a second
// host_name). One that does not decode, or whose list is empty or holds
// empty names only, shows none.
func (h *ClientHello) namesServer() bool {
	n := 0
	for _, e := range h.Extensions {
		if e == extServerName {
			n++
		}
	}
	if h.malformed == nil {
		return n > 0
	}
	for i, e := range h.malformed.types {
		if e == extServerName && !h.malformed.named[i] {
			n--
		}
	}
	return n > 0
}

// extensionRefusal words the first extension, in wire order, for which
// crypto/tls refuses h with "error decoding message": one sent a second
// time (RFC 8446 section 4.2; crypto/tls looks for a repeat before it
// reads an extension's contents, so a repeat that is also malformed is
// named a repeat) or one whose contents it refuses. ok is false when h
// has neither.
func (h *ClientHello) extensionRefusal() (words string, ok bool) {
	dup, dupAt, dupOK := h.duplicateExtension()
	var m *malformation
	if h != nil {
		m = h.malformed
	}
	switch {
	case dupOK && (m == nil || dupAt <= m.at):
		return "duplicate extension " + ExtensionName(dup) + " (0x" + hex4(dup) + "): the client sent it twice, which RFC 8446 section 4.2 forbids and crypto/tls refuses", true
	case m != nil:
		typ := h.Extensions[m.at]
		return "malformed extension " + ExtensionName(typ) + " (0x" + hex4(typ) + "): " + m.why + ", which crypto/tls refuses", true
	}
	return "", false
}
