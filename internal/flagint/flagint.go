// Package flagint reads whole-number command-line flags in decimal only,
// for every command of the module: flag.IntVar reads Go's integer
// literals, so "-days 0365" meant 245 days (octal), "-days 090" was
// refused as a bare "parse error", and "-n 0x10" sent 16 messages. No one
// writing a count means any of that.
package flagint

import (
	"errors"
	"flag"
	"strconv"
)

// decimalFlag is an int flag written in decimal only.
type decimalFlag struct{ p *int }

// String gives the value, for the flag's default in the usage.
func (d decimalFlag) String() string {
	if d.p == nil {
		return "0"
	}
	return strconv.Itoa(*d.p)
}

// Set reads s as a decimal number.
func (d decimalFlag) Set(s string) error {
	n, err := strconv.Atoi(s)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return errors.New("too large a number")
	case err != nil:
		return errors.New("want a whole number in decimal")
	}
	*d.p = n
	return nil
}

// Var defines an int flag, as fs.IntVar does, read in decimal only: a
// value that is not a whole number in decimal is refused, saying so.
func Var(fs *flag.FlagSet, p *int, name string, value int, usage string) {
	*p = value
	fs.Var(decimalFlag{p}, name, usage)
}
