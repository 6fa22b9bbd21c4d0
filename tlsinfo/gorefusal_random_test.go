package tlsinfo

import (
	"math/rand/v2"
	"testing"
)

// TestRefusalsAgreeWithGo: extension bodies crypto/tls takes, each cut,
// lengthened or with a byte changed at random, are named malformed
// exactly when crypto/tls refuses them as it decodes the hello: the
// checks neither miss one of its refusals nor claim one it does not
// make, beyond the cases written out in malformedTests and
// TestTakenContents. A pre_shared_key, last or not, goes behind the base
// extensions.
func TestRefusalsAgreeWithGo(t *testing.T) {
	t.Parallel()
	taken := map[uint16][][]byte{
		extServerName:              {malformedBase()[extServerName], {0, 8, 0, 0, 1, 'a', 7, 0, 1, 'b'}, {0, 4, 1, 0, 1, 'x'}},
		extSupportedGroups:         {{0, 2, 0x00, 0x1d}, {0, 4, 0, 0x1d, 0, 0x17}},
		extECPointFormats:          {{1, 0}, {2, 0, 1}},
		extSignatureAlgorithms:     {{0, 2, 0x04, 0x03}},
		extALPN:                    {{0, 3, 2, 'h', '2'}, {0, 6, 2, 'h', '2', 1, 'x', 0}},
		extSupportedVersions:       {{2, 0x03, 0x04}, {4, 3, 4, 3, 3}},
		extKeyShare:                {malformedBase()[extKeyShare], {0, 0}},
		extStatusRequest:           {{1, 0, 0, 0, 0}, {9, 0, 1, 0, 0, 0}},
		extPreSharedKey:            {wholePSK},
		extCookie:                  {{0, 1, 7}},
		extPSKModes:                {{1, 1}, {0}},
		extSignatureAlgorithmsCert: {{0, 2, 4, 3}},
		extRenegotiationInfo:       {{0}, {1, 5}},
		extSCT:                     {{}},
		extExtendedMasterSecret:    {{}},
		extEarlyData:               {{}},
	}
	var types []uint16
	for typ := range taken {
		types = append(types, typ)
	}
	r := rand.New(rand.NewPCG(3, 4))
	refused, total := 0, 4000
	for range total {
		typ := types[r.IntN(len(types))]
		bodies := taken[typ]
		body := append([]byte(nil), bodies[r.IntN(len(bodies))]...)
		for k := r.IntN(3); k > 0; k-- {
			switch r.IntN(4) {
			case 0:
				if len(body) > 0 {
					body[r.IntN(len(body))] = byte(r.IntN(4))
				}
			case 1:
				if len(body) > 0 {
					body = body[:r.IntN(len(body))]
				}
			case 2:
				body = append(body, byte(r.IntN(3)))
			case 3:
				if len(body) > 0 {
					body[r.IntN(len(body))] += byte(r.IntN(3)) - 1
				}
			}
		}
		var msg []byte
		switch _, base := malformedBase()[typ]; {
		case base:
			msg = malformedHello(typ, body, nil)
		case r.IntN(2) == 0:
			msg = malformedHello(0, nil, [][2][]byte{{{byte(typ >> 8), byte(typ)}, body}})
		default:
			// Not the last extension: a session_ticket follows.
			msg = malformedHello(0, nil, [][2][]byte{{{byte(typ >> 8), byte(typ)}, body}, {{0x00, 0x23}, {}}})
		}
		h, err := Parse(msg)
		ours := err != nil || h.MalformedExtensions() != nil
		gos := goDecodeRefusal(t, msg)
		if gos {
			refused++
		}
		if ours != gos {
			t.Errorf("extension %#04x with body % x: named malformed %v (Parse: %v), crypto/tls refuses it %v", typ, body, ours, err, gos)
		}
	}
	if refused < total/4 || refused > total*3/4 {
		t.Errorf("crypto/tls refused %d of %d: the bodies no longer try both sides of its rules", refused, total)
	}
}
