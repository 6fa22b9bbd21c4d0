package fault

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Bounds of a spec. Each keeps a fault from holding a connection, or the
// server's memory, for longer or more than a test needs.
const (
	// MaxVerbs is the most verbs in one spec.
	MaxVerbs = 8
	// MaxDuration bounds every duration: delay, its jitter, hsdelay, @D.
	MaxDuration = 60 * time.Second
	// MaxFrag is the largest frag:N, a TLS record's largest plaintext
	// (RFC 8446 section 5.1): beyond it a record cannot grow anyway.
	MaxFrag = 16 << 10
	// MinBW and MaxBW bound bw:RATE in bytes per second; below 1 KiB/s a
	// single TLS record would take seconds.
	MinBW = 1 << 10
	MaxBW = 1 << 30
	// MaxCount bounds @N, in messages or bytes.
	MaxCount = 1 << 30
	// maxSpecLen bounds the text parsed: 8 verbs with the longest close
	// reason fit well within it.
	maxSpecLen = 1024
	// maxReason is the longest close reason: a close frame's payload is at
	// most 125 bytes, two of which are the code (RFC 6455 section 5.5).
	maxReason = 123
)

// Error is a spec that does not parse or is out of bounds. Its message is
// one line naming the verb and why.
type Error struct {
	// Verb is the verb at fault as written (or a word about the spec as a
	// whole, such as "spec").
	Verb string
	// Reason says what is wrong, in words.
	Reason string
}

// Error is "fault: VERB: REASON".
func (e *Error) Error() string { return "fault: " + e.Verb + ": " + e.Reason }

func errorf(verb, format string, args ...any) *Error {
	return &Error{Verb: verb, Reason: fmt.Sprintf(format, args...)}
}

// Parse reads a spec: a comma list of verb[:arg][@when], at most
// MaxVerbs, each verb at most once. Spaces around items, and around the
// verb, each argument and the @when within an item, are ignored. The
// empty string (or only spaces) is no spec: nil and no error. Errors are
// *Error. Parse checks the bounds that hold wherever a spec comes from;
// [Injector] checks those that depend on the source and the listener.
func Parse(text string) (*Spec, error) {
	if len(text) > maxSpecLen {
		return nil, errorf("spec", "%d bytes long; at most %d", len(text), maxSpecLen)
	}
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	var s Spec
	for i, item := range strings.Split(text, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, errorf("spec", "item %d is empty (two commas, or a comma at an end)", i+1)
		}
		v, err := parseVerb(item)
		if err != nil {
			return nil, err
		}
		if len(s.verbs) == MaxVerbs {
			return nil, errorf(v.Kind.String(), "too many verbs: at most %d in one spec", MaxVerbs)
		}
		if s.Has(v.Kind) {
			return nil, errorf(v.Kind.String(), "given twice; each verb at most once")
		}
		s.verbs = append(s.verbs, v)
	}
	return &s, nil
}

// parseVerb reads one item: verb[:arg][@when].
func parseVerb(item string) (Verb, error) {
	head, when, hasWhen := strings.Cut(item, "@")
	name, arg, hasArg := strings.Cut(head, ":")
	// Spaces around every part are ignored, as around items: "delay: 1s",
	// "status: 503", "rst @ 3" all read as written without them, so no
	// verb accepts a space its neighbour refuses.
	name, arg, when = strings.TrimSpace(name), strings.TrimSpace(arg), strings.TrimSpace(when)
	k, ok := kindByName(lowerASCII(name))
	if !ok {
		return Verb{}, errorf(quoteIfOdd(name), "unknown verb; want one of %s", strings.Join(kindNames[1:], ", "))
	}
	v := Verb{Kind: k}
	vn := k.String()
	if err := v.parseArg(arg, hasArg); err != nil {
		return Verb{}, err
	}
	if hasWhen {
		switch {
		case k.handshake():
			return Verb{}, errorf(vn, "acts once, at the TLS handshake, and takes no @when")
		case k == Status:
			return Verb{}, errorf(vn, "acts once, at the upgrade, and takes no @when")
		}
		w, err := parseWhen(when)
		if err != nil {
			return Verb{}, errorf(vn, "@%q: %s", when, err.Error())
		}
		v.When = w
	}
	return v, nil
}

// parseArg reads the argument of v.Kind; hasArg tells ":" was written.
func (v *Verb) parseArg(arg string, hasArg bool) error {
	vn := v.Kind.String()
	needs := map[Kind]string{
		Delay: "a duration such as delay:100ms or delay:100ms~50ms", Frag: "a size such as frag:1",
		BW: "a rate such as bw:8KiB", HSDelay: "a duration such as hsdelay:2s",
		Alert: "an alert name such as alert:handshake_failure", Status: "an HTTP status such as status:503",
	}
	if want, ok := needs[v.Kind]; ok && (!hasArg || arg == "") {
		return errorf(vn, "needs %s", want)
	}
	switch v.Kind {
	case Delay:
		d, j, hasJ := strings.Cut(arg, "~")
		var err error
		if v.Dur, err = parseDur(d, true); err != nil {
			return errorf(vn, "%s", err)
		}
		if hasJ {
			if v.Jitter, err = parseDur(j, true); err != nil {
				return errorf(vn, "jitter: %s", err)
			}
		}
		if v.Dur == 0 && v.Jitter == 0 {
			return errorf(vn, "a delay of 0 does nothing; give a duration such as 100ms")
		}
	case HSDelay:
		var err error
		if v.Dur, err = parseDur(arg, false); err != nil {
			return errorf(vn, "%s", err)
		}
	case Frag:
		n, err := parseSize(arg)
		if err != nil || n < 1 || n > MaxFrag {
			return errorf(vn, "%q: want a size from 1 to %d bytes", arg, MaxFrag)
		}
		v.Size = n
	case BW:
		n, err := parseSize(arg)
		if err != nil || n < MinBW || n > MaxBW {
			return errorf(vn, "%q: want bytes per second from 1KiB to 1GiB, such as 8KiB", arg)
		}
		v.Size = n
	case Alert:
		code, ok := alertByName(lowerASCII(arg))
		if !ok {
			return errorf(vn, "%q: want one of %s", arg, strings.Join(AlertNames(), ", "))
		}
		v.Code = int(code)
	case Status:
		n, err := parseCode(arg)
		if err != nil || n < 400 || n > 599 {
			return errorf(vn, "%q: want an HTTP status from 400 to 599", arg)
		}
		v.Code = n
	case Close:
		if !hasArg {
			return nil
		}
		code, reason, _ := strings.Cut(arg, ":")
		code, reason = strings.TrimSpace(code), strings.TrimSpace(reason)
		n, err := parseCode(code)
		if err != nil {
			return errorf(vn, "%q: want a close code such as close:4001 or close:4001:reason", code)
		}
		if why := closeCodeProblem(n); why != "" {
			return errorf(vn, "%d %s", n, why)
		}
		if len(reason) > maxReason {
			return errorf(vn, "reason is %d bytes; a close frame holds at most %d", len(reason), maxReason)
		}
		if !utf8.ValidString(reason) || strings.IndexFunc(reason, unicode.IsControl) >= 0 {
			return errorf(vn, "reason must be printable UTF-8 text")
		}
		v.Code, v.Reason = n, reason
	default:
		if hasArg {
			return errorf(vn, "takes no argument (got %q)", arg)
		}
	}
	return nil
}

// closeCodeProblem says why a server may not send code, or "" when it may
// (RFC 6455 section 7.4: 1004-1006 and 1015 are never sent, 1016-2999 are
// reserved for the protocol, 3000-4999 are for libraries and applications).
func closeCodeProblem(code int) string {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014, code >= 3000 && code <= 4999:
		return ""
	case code == 1004, code == 1005, code == 1006, code == 1015:
		return "may not be sent in a close frame (RFC 6455 section 7.4.1); want 1000-1003, 1007-1014 or 3000-4999"
	}
	return "is not a close code a server may send; want 1000-1003, 1007-1014 or 3000-4999"
}

// parseCode reads a status or close code: digits only, as sizes and
// counts are (parseDigits), where strconv.Atoi would also take a sign
// ("status:+503").
func parseCode(s string) (int, error) {
	n, err := parseDigits(s)
	return int(n), err
}

// parseDur reads a Go duration within MaxDuration; zero is allowed only
// when zeroOK.
func parseDur(s string, zeroOK bool) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	switch {
	case err != nil:
		return 0, fmt.Errorf("%q is not a duration such as 100ms or 2s", s)
	case d < 0 || (d == 0 && !zeroOK):
		return 0, fmt.Errorf("%q: want a positive duration", s)
	case d > MaxDuration:
		return 0, fmt.Errorf("%v is longer than the %v a fault may last", d, MaxDuration)
	}
	return d, nil
}

// parseSize reads a whole number of bytes, optionally in KiB, MiB or GiB
// (the unit the bounds of bw and @N are written in).
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	switch {
	case hasSuffixFold(s, "KiB"):
		mult, s = 1<<10, s[:len(s)-3]
	case hasSuffixFold(s, "MiB"):
		mult, s = 1<<20, s[:len(s)-3]
	case hasSuffixFold(s, "GiB"):
		mult, s = 1<<30, s[:len(s)-3]
	}
	n, err := parseDigits(s)
	if err != nil {
		return 0, err
	}
	// Ten digits of GiB would wrap around int64 into a size that could
	// pass the bounds.
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return n * mult, nil
}

// parseWhen reads what follows "@": a count (digits, KiB, MiB or GiB allowed)
// or a duration.
func parseWhen(s string) (When, error) {
	if n, err := parseSize(s); err == nil {
		if n < 1 || n > MaxCount {
			return When{}, fmt.Errorf("want a count from 1 to %d (leave out @ to act from the start)", MaxCount)
		}
		return When{Count: n}, nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	switch {
	case err != nil:
		return When{}, fmt.Errorf("want a count of echoes such as @3 or @1KiB, or a duration such as @2s")
	case d <= 0:
		return When{}, fmt.Errorf("want a duration above 0 (leave out @ to act from the start)")
	case d > MaxDuration:
		return When{}, fmt.Errorf("%v is longer than the %v a fault may last", d, MaxDuration)
	}
	return When{After: d}, nil
}

// quoteIfOdd quotes a word that would read badly bare in an error line.
func quoteIfOdd(s string) string {
	if s == "" || strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) >= 0 {
		return strconv.Quote(s)
	}
	return s
}
