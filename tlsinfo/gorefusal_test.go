package tlsinfo

import (
	"crypto/tls"
	"net"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
)

// goDecodeRefusal tells whether crypto/tls, as a server, refuses the
// ClientHello message msg as it decodes it ("error decoding message"),
// not for a later reason: a server without certificates refuses every
// hello, but a hello that decoded only after reading it.
func goDecodeRefusal(t *testing.T, msg []byte) bool {
	t.Helper()
	c, s := net.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- tls.Server(s, &tls.Config{}).Handshake()
		s.Close()
	}()
	go func() {
		// One record, as a client sends it.
		rec := append([]byte{0x16, 0x03, 0x01, byte(len(msg) >> 8), byte(len(msg))}, msg...)
		c.Write(rec)
	}()
	// The server's first bytes, an alert or a HelloRetryRequest, tell
	// that it has decoded the hello or refused it; closing then ends a
	// handshake that would wait for a second hello.
	c.Read(make([]byte, 1))
	c.Close()
	err := <-errc
	if err == nil {
		t.Fatal("crypto/tls took a hello without a certificate to offer")
	}
	return strings.Contains(err.Error(), "error decoding message")
}

// TestMalformedExtensionGoRefuses: every malformedTests hello is one
// crypto/tls itself refuses as it decodes it, so the checks claim no
// refusal it does not make.
func TestMalformedExtensionGoRefuses(t *testing.T) {
	for _, tt := range malformedTests {
		t.Run(tt.name, func(t *testing.T) {
			if !goDecodeRefusal(t, malformedHello(tt.typ, tt.body, tt.extra)) {
				t.Error("crypto/tls decodes it")
			}
		})
	}
}

// TestTakenContents: contents at the edge of what crypto/tls takes are
// not named malformed, and crypto/tls decodes them, so the checks miss
// none of its rules' bounds the other way.
func TestTakenContents(t *testing.T) {
	tests := []struct {
		name string
		typ  uint16
		body []byte
		// added after the base extensions
		extra [][2][]byte
	}{
		{"server_name of another name type only", extServerName, []byte{0, 4, 1, 0, 1, 'x'}, nil},
		{"server_name with a host name and another type", extServerName, []byte{0, 8, 0, 0, 1, 'a', 7, 0, 1, 'b'}, nil},
		{"key_share list empty", extKeyShare, []byte{0, 0}, nil},
		{"status_request of an unknown type", 0, nil, [][2][]byte{{{0x00, 0x05}, {9, 0, 1, 0, 0, 0}}}},
		{"empty extended_master_secret, SCT and early_data", 0, nil,
			[][2][]byte{{{0x00, 0x17}, {}}, {{0x00, 0x12}, {}}, {{0x00, 0x2a}, {}}}},
		{"empty psk_key_exchange_modes list", 0, nil, [][2][]byte{{{0x00, 0x2d}, {0}}}},
		{"renegotiation_info of nothing", 0, nil, [][2][]byte{{{0xff, 0x01}, {0}}}},
		{"cookie of one byte", 0, nil, [][2][]byte{{{0x00, 0x2c}, {0, 1, 7}}}},
		{"session_ticket, ECH and QUIC parameters of any bytes", 0, nil,
			[][2][]byte{{{0x00, 0x23}, {1}}, {{0xfe, 0x0d}, {1, 2}}, {{0x00, 0x39}, {3}}}},
		{"pre_shared_key last", 0, nil, [][2][]byte{{{0x00, 0x29}, wholePSK}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := malformedHello(tt.typ, tt.body, tt.extra)
			h, err := Parse(msg)
			if err != nil {
				t.Fatal(err)
			}
			if m := h.MalformedExtensions(); m != nil {
				rec := Record{Hello: h, Err: errDecoding}
				t.Errorf("malformed %x: %s", m, rec.Outcome())
			}
			if goDecodeRefusal(t, msg) {
				t.Error("crypto/tls refuses it as it decodes it")
			}
		})
	}
}

// malformedHello is malformedBase's hello with the body of typ replaced
// by body when that is not nil, and extra after its extensions.
func malformedHello(typ uint16, body []byte, extra [][2][]byte) []byte {
	bodies := malformedBase()
	if body != nil {
		bodies[typ] = body
	}
	return helloMessage(1, func(b *cryptobyte.Builder) {
		for _, typ := range malformedOrder {
			b.AddUint16(typ)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(bodies[typ]) })
		}
		for _, e := range extra {
			b.AddBytes(e[0])
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(e[1]) })
		}
	})
}
