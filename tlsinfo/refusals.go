package tlsinfo

import "golang.org/x/crypto/cryptobyte"

// Extensions whose contents crypto/tls reads, and so may refuse, but
// which give no field the description shows (IANA "TLS ExtensionType
// Values").
const (
	extStatusRequest           = 0x0005
	extSCT                     = 0x0012
	extExtendedMasterSecret    = 0x0017
	extPreSharedKey            = 0x0029
	extEarlyData               = 0x002a
	extCookie                  = 0x002c
	extPSKModes                = 0x002d
	extSignatureAlgorithmsCert = 0x0032
	extRenegotiationInfo       = 0xff01
)

// emptyList is what is wrong with a list that decodes but holds nothing
// where its RFC asks for at least one value.
const emptyList = "its list is empty"

// nonEmpty says emptyList of an empty list, "" of another.
func nonEmpty(list cryptobyte.String) string {
	if list.Empty() {
		return emptyList
	}
	return ""
}

// checkContents says what crypto/tls refuses in the contents of an
// extension of type typ that gives no shown field, "" when it takes
// them or does not read that type. Each rule is the extension's RFC as
// crypto/tls enforces it, no more: it takes an empty
// psk_key_exchange_modes list, and any session_ticket, ECH or QUIC
// transport parameters. last tells the extension that ends the block.
func checkContents(typ uint16, data cryptobyte.String, last bool) string {
	var list cryptobyte.String
	switch typ {
	case extStatusRequest:
		// RFC 6066 section 8: a status type, then two lists behind
		// 2-byte lengths, of whatever the type is.
		n := len(data)
		var statusType uint8
		if !data.ReadUint8(&statusType) || !data.ReadUint16LengthPrefixed(&list) || !data.ReadUint16LengthPrefixed(&list) {
			if n == 0 {
				return "it is empty"
			}
			return "its request is cut short"
		}
		if !data.Empty() {
			return "bytes follow its request"
		}
	case extExtendedMasterSecret, extSCT, extEarlyData:
		// RFC 7627 section 5.1, RFC 6962 section 3.3.1, RFC 8446
		// section 4.2.10: a client sends these empty.
		if !data.Empty() {
			return "it is not empty"
		}
	case extSignatureAlgorithmsCert: // RFC 8446 section 4.2.3
		if why := readUint16List(data, &list); why != "" {
			return why
		}
		return nonEmpty(list)
	case extRenegotiationInfo, extPSKModes: // RFC 5746 section 3.2, RFC 8446 section 4.2.9
		return readList(data, 1, &list)
	case extCookie: // RFC 8446 section 4.2.2: cookie<1..2^16-1>
		if why := readList(data, 2, &list); why != "" {
			return why
		}
		if list.Empty() {
			return "its cookie is empty"
		}
	case extPreSharedKey:
		return checkPreSharedKey(data, last)
	}
	return ""
}

// checkPreSharedKey says what crypto/tls refuses in a pre_shared_key
// extension (RFC 8446 section 4.2.11), in the order it looks: the
// extension ends the block; a list of at least one identity, each a
// name of at least one byte and a ticket age; a list of at least one
// binder, each at least one byte; nothing after.
func checkPreSharedKey(data cryptobyte.String, last bool) string {
	if !last {
		return "it is not the last extension, where RFC 8446 section 4.2.11 puts it"
	}
	n := len(data)
	var ids, binders cryptobyte.String
	if !data.ReadUint16LengthPrefixed(&ids) {
		if n == 0 {
			return "it is empty"
		}
		return "its identities overrun the extension"
	}
	if ids.Empty() {
		return "its identity list is empty"
	}
	for !ids.Empty() {
		var id cryptobyte.String
		var age uint32
		if !ids.ReadUint16LengthPrefixed(&id) || !ids.ReadUint32(&age) {
			return "an identity overruns its list"
		}
		if id.Empty() {
			return "an identity in it is empty"
		}
	}
	if !data.ReadUint16LengthPrefixed(&binders) {
		return "its binders overrun the extension"
	}
	if binders.Empty() {
		return "its binder list is empty"
	}
	for !binders.Empty() {
		var binder cryptobyte.String
		if !binders.ReadUint8LengthPrefixed(&binder) {
			return "a binder overruns its list"
		}
		if binder.Empty() {
			return "a binder in it is empty"
		}
	}
	if !data.Empty() {
		return "bytes follow its binders"
	}
	return ""
}
