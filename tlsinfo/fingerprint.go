package tlsinfo

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
)

// IsGREASE tells the values of RFC 8701 ("Generate Random Extensions And
// Sustain Extensibility"): 0x0a0a, 0x1a1a, ... 0xfafa. Clients sprinkle
// them at random into their lists so servers keep tolerating unknown
// values; fingerprints leave them out, or every connection would differ.
func IsGREASE(v uint16) bool {
	return v&0x0f0f == 0x0a0a && v>>8 == v&0xff
}

func withoutGREASE(vs []uint16) []uint16 {
	out := make([]uint16, 0, len(vs))
	for _, v := range vs {
		if !IsGREASE(v) {
			out = append(out, v)
		}
	}
	return out
}

// JA4 is the JA4 fingerprint of h for TLS over TCP, per FoxIO's
// specification (technical_details/JA4.md in FoxIO-LLC/ja4), such as
// "t13d1516h2_8daaf6152771_e5627efa2ab1".
func (h *ClientHello) JA4() string {
	a, suites, exts, sigs := h.ja4Parts()
	return a + "_" + truncatedHash(strings.Join(suites, ",")) + "_" + truncatedHash(extensionPart(exts, sigs))
}

// JA4R is the raw form of [ClientHello.JA4] (JA4_r): the same first part,
// then the sorted lists that JA4 hashes.
func (h *ClientHello) JA4R() string {
	a, suites, exts, sigs := h.ja4Parts()
	return a + "_" + strings.Join(suites, ",") + "_" + extensionPart(exts, sigs)
}

// ja4Parts computes JA4's readable first part and the three lists behind
// its hashes: the cipher suites sorted, the extensions sorted without SNI
// and ALPN, the signature algorithms in wire order; all without GREASE,
// as 4-digit lower-case hex.
func (h *ClientHello) ja4Parts() (a string, suites, exts, sigs []string) {
	cs := withoutGREASE(h.CipherSuites)
	es := withoutGREASE(h.Extensions)
	var b strings.Builder
	b.WriteByte('t') // TLS over TCP; QUIC and DTLS are not served here
	b.WriteString(ja4Version(h))
	// A server_name that shows no name gives "i" (see namesServer).
	if h.namesServer() {
		b.WriteByte('d')
	} else {
		b.WriteByte('i')
	}
	b.WriteString(twoDigits(len(cs)))
	b.WriteString(twoDigits(len(es))) // SNI and ALPN count here
	b.WriteString(ja4ALPN(h.firstALPN()))

	slices.Sort(cs)
	slices.Sort(es)
	for _, c := range cs {
		suites = append(suites, hex4(c))
	}
	for _, e := range es {
		if e != extServerName && e != extALPN {
			exts = append(exts, hex4(e))
		}
	}
	for _, s := range withoutGREASE(h.SignatureAlgorithms) {
		sigs = append(sigs, hex4(s))
	}
	return b.String(), suites, exts, sigs
}

// extensionPart joins the extensions and, when there are any, the
// signature algorithms after an underscore.
func extensionPart(exts, sigs []string) string {
	if len(exts) == 0 {
		return "" // hashes to the all-zero placeholder
	}
	s := strings.Join(exts, ",")
	if len(sigs) > 0 {
		s += "_" + strings.Join(sigs, ",")
	}
	return s
}

// truncatedHash is the first 12 hex digits of the SHA-256 of s, or twelve
// zeros for an empty list, which the specification prefers to the hash of
// nothing so that an empty list is plain to see.
func truncatedHash(s string) string {
	if s == "" {
		return "000000000000"
	}
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}

// ja4Version is the highest non-GREASE value of supported_versions or,
// without that extension, the legacy version; the record's version is
// not looked at. A supported_versions that holds nothing but GREASE also
// gives the legacy version: the specification says to take the highest
// value of the extension ignoring GREASE, and is silent when that leaves
// nothing. Such an extension names no version at all, as if it were
// absent, and the legacy version is then the client's only claim; "00"
// would file it with versions no one knows, and hide what it asked for.
func ja4Version(h *ClientHello) string {
	v := h.LegacyVersion
	var highest uint16
	for _, sv := range withoutGREASE(h.SupportedVersions) {
		highest = max(highest, sv)
	}
	if highest != 0 {
		v = highest
	}
	switch v {
	case 0x0304:
		return "13"
	case 0x0303:
		return "12"
	case 0x0302:
		return "11"
	case 0x0301:
		return "10"
	case 0x0300:
		return "s3"
	case 0x0002:
		return "s2"
	case 0xfeff:
		return "d1"
	case 0xfefd:
		return "d2"
	case 0xfefc:
		return "d3"
	}
	return "00"
}

// ja4ALPN is the first and last character of p, the first ALPN value, "00"
// without one. A value that does not begin and end with an ASCII letter or
// digit gives the first and last characters of its hex form instead (the
// specification's text: 0x30 0xAB gives "3b").
func ja4ALPN(p string) string {
	if p == "" {
		return "00"
	}
	first, last := p[0], p[len(p)-1]
	if isAlnum(first) && isAlnum(last) {
		return string([]byte{first, last})
	}
	const digits = "0123456789abcdef"
	return string([]byte{digits[first>>4], digits[last&0x0f]})
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// twoDigits is a count as two decimal digits, 99 at most.
func twoDigits(n int) string {
	n = min(n, 99)
	return string([]byte{byte('0' + n/10), byte('0' + n%10)})
}

func hex4(v uint16) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[v>>12], digits[v>>8&0xf], digits[v>>4&0xf], digits[v&0xf]})
}

// JA3 is the JA3 string of h per Salesforce's original definition:
// legacy version, cipher suites, extensions, supported groups and EC point
// formats, as decimal numbers joined by "-", the five fields joined by
// ",", all in wire order and without GREASE.
func (h *ClientHello) JA3() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(int(h.LegacyVersion)))
	b.WriteByte(',')
	writeDecimals(&b, h.CipherSuites)
	b.WriteByte(',')
	writeDecimals(&b, h.Extensions)
	b.WriteByte(',')
	writeDecimals(&b, h.SupportedGroups)
	b.WriteByte(',')
	for i, f := range h.ECPointFormats {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(strconv.Itoa(int(f)))
	}
	return b.String()
}

// JA3Hash is the MD5 of [ClientHello.JA3] in lower-case hex, the form JA3
// is shared in. MD5 is what the definition uses; it is a label here, not
// a security measure.
func (h *ClientHello) JA3Hash() string {
	sum := md5.Sum([]byte(h.JA3()))
	return hex.EncodeToString(sum[:])
}

func writeDecimals(b *strings.Builder, vs []uint16) {
	first := true
	for _, v := range vs {
		if IsGREASE(v) {
			continue
		}
		if !first {
			b.WriteByte('-')
		}
		first = false
		b.WriteString(strconv.Itoa(int(v)))
	}
}
