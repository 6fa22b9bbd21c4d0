package certs

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzASCIIName: every name comes out in ASCII, labels already in ASCII
// are kept, and each "xn--" label decodes, by the decoder of RFC 3492
// section 6.2 written here apart from the encoder, back to its label
// lowercased. The seeds include a label long enough to overflow 32-bit
// arithmetic (GOARCH=386 go test -run FuzzASCIIName ./certs).
func FuzzASCIIName(f *testing.F) {
	for _, tt := range asciiNameTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if !utf8.ValidString(name) {
			return // refused before ASCIIName is asked (CheckHost)
		}
		got := ASCIIName(name)
		if !isASCII(got) {
			t.Fatalf("ASCIIName(%q) = %q, not ASCII", name, got)
		}
		in := strings.Split(strings.Map(widthFold, name), ".")
		out := strings.Split(got, ".")
		if len(in) != len(out) {
			t.Fatalf("ASCIIName(%q) = %q: %d labels, want %d", name, got, len(out), len(in))
		}
		for i, l := range in {
			if isASCII(l) {
				if out[i] != l {
					t.Fatalf("ASCIIName(%q): ASCII label %q became %q", name, l, out[i])
				}
				continue
			}
			enc, ok := strings.CutPrefix(out[i], "xn--")
			if !ok {
				t.Fatalf("ASCIIName(%q): label %q became %q, without xn--", name, l, out[i])
			}
			dec, err := decodePunycode(enc)
			if err != nil {
				t.Fatalf("ASCIIName(%q): label %q became %q, which does not decode: %v", name, l, out[i], err)
			}
			if want := strings.ToLower(l); dec != want {
				t.Fatalf("ASCIIName(%q): label %q became %q, which decodes to %q, want %q", name, l, out[i], dec, want)
			}
		}
	})
}

// decodePunycode is RFC 3492 section 6.2's decoder, in int64 with the
// overflow checks of section 6.4, for the fuzz target to check the encoder
// against.
func decodePunycode(s string) (string, error) {
	const (
		base, tmin, tmax, skew, damp = 36, 1, 26, 38, 700
		limit                        = 1 << 40
	)
	adapt := func(delta, points int64, first bool) int64 {
		if first {
			delta /= damp
		} else {
			delta /= 2
		}
		delta += delta / points
		var k int64
		for delta > (base-tmin)*tmax/2 {
			delta /= base - tmin
			k += base
		}
		return k + (base-tmin+1)*delta/(delta+skew)
	}
	var out []rune
	if b := strings.LastIndexByte(s, '-'); b >= 0 {
		out, s = []rune(s[:b]), s[b+1:]
	}
	n, i, bias := int64(128), int64(0), int64(72)
	for len(s) > 0 {
		oldi, w := i, int64(1)
		for k := int64(base); ; k += base {
			if len(s) == 0 {
				return "", errors.New("ends inside a number")
			}
			var d int64
			switch c := s[0]; {
			case c >= 'a' && c <= 'z':
				d = int64(c - 'a')
			case c >= '0' && c <= '9':
				d = int64(c-'0') + 26
			default:
				return "", errors.New("not a Punycode digit: " + string(c))
			}
			s = s[1:]
			i += d * w
			t := min(max(k-bias, tmin), tmax)
			if i > limit || w > limit {
				return "", errors.New("overflow")
			}
			if d < t {
				break
			}
			w *= base - t
		}
		points := int64(len(out) + 1)
		bias = adapt(i-oldi, points, oldi == 0)
		n += i / points
		i %= points
		if n > utf8.MaxRune {
			return "", errors.New("beyond Unicode")
		}
		out = append(out[:i], append([]rune{rune(n)}, out[i:]...)...)
		i++
	}
	return string(out), nil
}
