package certs

import (
	"strings"
	"unicode/utf8"
)

// ASCIIName returns name with each label holding non-ASCII characters in
// the ASCII form that certificates and DNS carry ("xn--" and Punycode,
// RFC 3492), after lowercasing: "Bücher.example" gives
// "xn--bcher-kva.example", what a browser sends for that name and matches
// against the certificate. Labels already in ASCII are kept as they are.
//
// It does not apply the full mapping of UTS #46 (Unicode normalization,
// the few characters it maps or forbids), which needs Unicode tables the
// standard library lacks, so its result is meant to be shown to the user
// to confirm, not used unseen. A name already in NFC form, as typed on a
// keyboard, comes out as browsers make it; so does one typed in the
// full-width forms of an East Asian input method (widthFold).
func ASCIIName(name string) string {
	labels := strings.Split(strings.Map(widthFold, name), ".")
	for i, l := range labels {
		if isASCII(l) {
			continue
		}
		labels[i] = "xn--" + punycode(strings.ToLower(l))
	}
	return strings.Join(labels, ".")
}

// widthFold maps the ideographic and full-width full stops, which RFC
// 3490 section 3.1 makes label separators, to ".", and the full-width
// forms of ASCII (U+FF01-U+FF5E) to ASCII, as UTS #46 does: to a
// browser "bücher。example" is two labels, and "ｅｘａｍｐｌｅ" is "example".
func widthFold(r rune) rune {
	switch {
	case r == '\u3002' || r == '\uff0e' || r == '\uff61':
		return '.'
	case r >= '\uff01' && r <= '\uff5e':
		return r - 0xff01 + '!'
	}
	return r
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// The Punycode parameters of RFC 3492 section 5.
const (
	pcBase        = 36
	pcTMin        = 1
	pcTMax        = 26
	pcSkew        = 38
	pcDamp        = 700
	pcInitialBias = 72
	pcInitialN    = 128
)

// punycode encodes s as RFC 3492 section 6.3 does. delta is an int64:
// with a few thousand runes (a name pasted by mistake) it passes 2^31,
// which would wrap an int on 32-bit platforms; a command-line argument
// (at most 128 KiB on Linux) keeps it far below 2^63.
func punycode(s string) string {
	runes := []rune(s)
	var out []byte
	for _, r := range runes {
		if r < pcInitialN {
			out = append(out, byte(r))
		}
	}
	b := len(out)
	h := b
	if b > 0 {
		out = append(out, '-')
	}
	n, delta, bias := rune(pcInitialN), int64(0), pcInitialBias
	for h < len(runes) {
		m := rune(utf8.MaxRune + 1)
		for _, r := range runes {
			if r >= n && r < m {
				m = r
			}
		}
		delta += int64(m-n) * int64(h+1)
		n = m
		for _, r := range runes {
			if r < n {
				delta++
			}
			if r != n {
				continue
			}
			q := delta
			for k := pcBase; ; k += pcBase {
				t := int64(min(max(k-bias, pcTMin), pcTMax))
				if q < t {
					break
				}
				out = append(out, punycodeDigit(t+(q-t)%(pcBase-t)))
				q = (q - t) / (pcBase - t)
			}
			out = append(out, punycodeDigit(q))
			bias = punycodeAdapt(delta, h+1, h == b)
			delta = 0
			h++
		}
		delta++
		n++
	}
	return string(out)
}

// punycodeAdapt is the bias adaptation of RFC 3492 section 6.1.
func punycodeAdapt(delta int64, numPoints int, first bool) int {
	if first {
		delta /= pcDamp
	} else {
		delta /= 2
	}
	delta += delta / int64(numPoints)
	k := 0
	for delta > ((pcBase-pcTMin)*pcTMax)/2 {
		delta /= pcBase - pcTMin
		k += pcBase
	}
	return k + int((pcBase-pcTMin+1)*delta/(delta+pcSkew))
}

func punycodeDigit(d int64) byte {
	if d < 26 {
		return byte('a' + d)
	}
	return byte('0' + d - 26)
}
