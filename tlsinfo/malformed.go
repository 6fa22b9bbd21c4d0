package tlsinfo

import "golang.org/x/crypto/cryptobyte"

// A hello whose extensions block is whole but one extension's contents
// do not parse (an empty server_name, an odd-length supported_groups, a
// key share cut short) is kept, not thrown away: crypto/tls refuses it
// with a bare "error decoding message", and what the client offered is
// what tells its owner why. A hello whose cipher list or extensions
// block does not parse still fails whole: past those, nothing can be
// told apart.
//
// The malformed extension stays in Extensions, so it counts in JA4's
// extension count and list and in JA3's extension list: its type was on
// the wire. Every field its contents would have given is as if it had
// not been sent: no SNI (JA4 "i"), no ALPN ("00"), no supported_versions
// (the legacy version), no signature algorithms, no groups or point
// formats in JA3, no key shares. That is the same rule for each, and it
// is how FoxIO's reference code sees such a hello: its JA4 reads every
// extension type Wireshark shows, and each other field from Wireshark's
// decoded field (tls.handshake.extensions_server_name for "d", the
// ALPN string, the versions, the signature algorithms), which a body
// Wireshark cannot decode does not give. An extension sent twice, one
// occurrence whole and one not, gives what the whole one gives, as if
// it alone had been sent.

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
// did not parse.
type malformation struct {
	types []uint16 // one per occurrence, in wire order
	at    int      // the index in Extensions of the first
	why   string   // what was wrong with the first, for the outcome
}

// MalformedExtensions returns the types of the extensions whose contents
// did not parse, one per occurrence, in wire order; nil when all did.
// Each is still in Extensions, but the fields it would have given are as
// if it had not been sent. crypto/tls refuses such a hello.
func (h *ClientHello) MalformedExtensions() []uint16 {
	if h.malformed == nil {
		return nil
	}
	return h.malformed.types
}

// noteMalformed records that the extension of type typ, the last in
// h.Extensions, did not parse, and keeps why for the first such.
func (h *ClientHello) noteMalformed(typ uint16, why string) {
	if h.malformed == nil {
		h.malformed = &malformation{at: len(h.Extensions) - 1, why: why}
	}
	h.malformed.types = append(h.malformed.types, typ)
}

// sentWhole tells whether h holds an extension of type typ whose contents
// parsed: one sent only malformed is, for the fields, not sent.
func (h *ClientHello) sentWhole(typ uint16) bool {
	n := 0
	for _, e := range h.Extensions {
		if e == typ {
			n++
		}
	}
	for _, e := range h.MalformedExtensions() {
		if e == typ {
			n--
		}
	}
	return n > 0
}

// extensionRefusal words the first extension, in wire order, for which
// crypto/tls refuses h with "error decoding message": one sent a second
// time (RFC 8446 section 4.2; crypto/tls looks for a repeat before it
// reads an extension's contents, so a repeat that is also malformed is
// named a repeat) or one whose contents do not parse. ok is false when h
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
