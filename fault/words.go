package fault

import (
	"fmt"
	"strconv"
	"strings"
)

// The grammar reads its numbers and names here, one rule for each, so
// that no argument or parameter accepts what its neighbour refuses.

// maxDigits bounds the significant digits of a whole number: ten hold
// every bound of the grammar (MaxCount, MaxBW, MaxArmCount) and keep a
// count of GiB inside int64.
const maxDigits = 10

// parseDigits reads a whole number written in decimal digits only: no
// sign, where strconv.Atoi takes "+3" and "-0", and no spaces (callers
// trim those around an argument). Leading zeros are ignored, however
// many, as time.ParseDuration ignores them in a duration: "frag:01" and
// "frag:00000000001" are both 1, and a count of zeros is 0.
func parseDigits(s string) (int64, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	d := strings.TrimLeft(s, "0")
	if len(d) > maxDigits {
		return 0, fmt.Errorf("%q is too large", s)
	}
	if d == "" {
		return 0, nil
	}
	return strconv.ParseInt(d, 10, 64)
}

// lowerASCII maps A-Z to a-z and leaves every other byte as it is.
// Verbs, alert names, units and listener names are ASCII and match in
// any ASCII case ("RST", "alert:ACCESS_DENIED", "8kib"); strings.ToLower
// and strings.EqualFold would also map non-ASCII letters onto them (İ to
// i, the Kelvin sign to k), so that "fİn" read as fin.
func lowerASCII(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return 'A' <= r && r <= 'Z' })
	if i < 0 {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if c := b[i]; 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// hasSuffixFold reports whether s ends in suffix, an ASCII word, in any
// ASCII case.
func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && lowerASCII(s[len(s)-len(suffix):]) == lowerASCII(suffix)
}
