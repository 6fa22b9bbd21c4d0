// Package plural writes a count with its noun in the right number, so
// that what tlsecho's commands print reads "1 byte", not "1 bytes".
package plural

import "strconv"

// Count is n followed by one when n is 1, else by many: Count(1, "byte",
// "bytes") is "1 byte", Count(0, "byte", "bytes") "0 bytes". Both forms
// are given, since English plurals are not all an added "s" ("echoes").
func Count[N ~int | ~int64 | ~uint64](n N, one, many string) string {
	word := many
	if n == 1 {
		word = one
	}
	return strconv.FormatInt(int64(n), 10) + " " + word
}
