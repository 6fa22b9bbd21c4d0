package tlsinfo

import (
	"slices"
	"testing"

	"golang.org/x/crypto/cryptobyte"
)

// TestParseListsApart: the lists carved from one allocation stay apart
// when a repeated extension adds to one of them (supported_versions and
// key_share take every occurrence's values), and an extension that is
// there but empty reads as before: supported_versions [] (present), the
// key share groups nil (none).
func TestParseListsApart(t *testing.T) {
	ext := func(b *cryptobyte.Builder, typ uint16, body func(*cryptobyte.Builder)) {
		b.AddUint16(typ)
		b.AddUint16LengthPrefixed(body)
	}
	u16s := func(vs ...uint16) func(*cryptobyte.Builder) {
		return func(b *cryptobyte.Builder) {
			for _, v := range vs {
				b.AddUint16(v)
			}
		}
	}
	versions := func(vs ...uint16) func(*cryptobyte.Builder) {
		return func(b *cryptobyte.Builder) { b.AddUint8LengthPrefixed(u16s(vs...)) }
	}
	shares := func(groups ...uint16) func(*cryptobyte.Builder) {
		return func(b *cryptobyte.Builder) {
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				for _, g := range groups {
					b.AddUint16(g)
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint8(1) })
				}
			})
		}
	}
	hello := func(exts func(*cryptobyte.Builder)) []byte { return helloMessage(1, exts) }

	h, err := Parse(hello(func(b *cryptobyte.Builder) {
		ext(b, extSupportedVersions, versions(0x0304))
		ext(b, extKeyShare, shares(0x001d))
		ext(b, extSupportedGroups, func(b *cryptobyte.Builder) { b.AddUint16LengthPrefixed(u16s(0x001d, 0x0017)) })
		ext(b, extSupportedVersions, versions(0x0303, 0x0302))
		ext(b, extKeyShare, shares(0x0017))
		ext(b, extSignatureAlgorithms, func(b *cryptobyte.Builder) { b.AddUint16LengthPrefixed(u16s(0x0403)) })
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h.SupportedVersions, []uint16{0x0304, 0x0303, 0x0302}) ||
		!slices.Equal(h.KeyShareGroups, []uint16{0x001d, 0x0017}) ||
		!slices.Equal(h.SupportedGroups, []uint16{0x001d, 0x0017}) ||
		!slices.Equal(h.SignatureAlgorithms, []uint16{0x0403}) ||
		!slices.Equal(h.CipherSuites, []uint16{0x1301}) ||
		!slices.Equal(h.Extensions, []uint16{0x002b, 0x0033, 0x000a, 0x002b, 0x0033, 0x000d}) {
		t.Errorf("repeated extensions: versions %x, shares %x, groups %x, signatures %x, suites %x, extensions %x",
			h.SupportedVersions, h.KeyShareGroups, h.SupportedGroups, h.SignatureAlgorithms, h.CipherSuites, h.Extensions)
	}

	h, err = Parse(hello(func(b *cryptobyte.Builder) {
		ext(b, extSupportedVersions, versions())
		ext(b, extKeyShare, shares())
	}))
	if err != nil {
		t.Fatal(err)
	}
	if h.SupportedVersions == nil || len(h.SupportedVersions) != 0 || h.KeyShareGroups != nil {
		t.Errorf("empty extensions: versions %#v (want empty, not nil), shares %#v (want nil)", h.SupportedVersions, h.KeyShareGroups)
	}
}

// helloMessage builds a ClientHello handshake message: version 0x0303, a
// zero random, no session ID, suites times TLS_AES_128_GCM_SHA256, null
// compression, and the extensions block exts writes.
func helloMessage(suites int, exts func(*cryptobyte.Builder)) []byte {
	var b cryptobyte.Builder
	b.AddUint8(typeClientHello)
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint16(0x0303)
		b.AddBytes(make([]byte, 32))
		b.AddUint8(0)
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for range suites {
				b.AddUint16(0x1301)
			}
		})
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint8(0) })
		b.AddUint16LengthPrefixed(exts)
	})
	return b.BytesOrPanic()
}
