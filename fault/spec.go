package fault

import (
	"strconv"
	"strings"
	"time"
)

// Kind is a fault verb.
type Kind uint8

// The verbs, in the order the contract lists them.
const (
	Delay     Kind = iota + 1 // hold each echo D (+ up to J)
	Frag                      // frames or records of at most N bytes
	BW                        // echo throughput capped at RATE bytes per second
	HSDelay                   // wait D before answering the ClientHello
	Alert                     // answer the ClientHello with a fatal alert
	Close                     // close politely: a close frame, or close_notify
	FIN                       // TCP FIN with nothing said above TCP
	RST                       // TCP reset
	Blackhole                 // neither read nor write, keep the socket open
	NoPong                    // pings go unanswered
	Status                    // refuse the WebSocket upgrade with an HTTP status
	numKinds
)

var kindNames = [numKinds]string{
	Delay: "delay", Frag: "frag", BW: "bw", HSDelay: "hsdelay", Alert: "alert",
	Close: "close", FIN: "fin", RST: "rst", Blackhole: "blackhole",
	NoPong: "nopong", Status: "status",
}

// String is the verb's name in a spec.
func (k Kind) String() string {
	if k > 0 && k < numKinds {
		return kindNames[k]
	}
	return "verb(" + strconv.Itoa(int(k)) + ")"
}

// VerbNames lists every verb's name, in the contract's order.
func VerbNames() []string { return append([]string(nil), kindNames[1:]...) }

// kindByName finds a verb by its name in a spec.
func kindByName(name string) (Kind, bool) {
	for k := Delay; k < numKinds; k++ {
		if kindNames[k] == name {
			return k, true
		}
	}
	return 0, false
}

// terminal tells the verbs that end the echo: after one of them takes
// effect nothing more is echoed.
func (k Kind) terminal() bool {
	return k == Close || k == FIN || k == RST || k == Blackhole
}

// handshake tells the verbs that act before the TLS handshake completes,
// so they come only from a source known at accept.
func (k Kind) handshake() bool { return k == HSDelay || k == Alert }

// When is the trigger of a verb: after Count echoes (messages on /ws,
// bytes on the raw port) or After the connection opened. The zero When
// means from the start.
type When struct {
	Count int64
	After time.Duration
}

// IsZero tells a verb that applies from the start.
func (w When) IsZero() bool { return w.Count == 0 && w.After == 0 }

// String is the "@..." suffix of a verb, or "".
func (w When) String() string {
	switch {
	case w.Count > 0:
		return "@" + formatSize(w.Count)
	case w.After > 0:
		return "@" + w.After.String()
	}
	return ""
}

// Verb is one parsed verb of a spec with its argument.
type Verb struct {
	Kind Kind
	// Dur is delay's D and hsdelay's D.
	Dur time.Duration
	// Jitter is delay's J: a uniform random 0..J is added to each hold.
	Jitter time.Duration
	// Size is frag's N (bytes per frame or record) and bw's RATE (bytes
	// per second).
	Size int64
	// Code is close's code (0: none given), status's HTTP status and
	// alert's description (RFC 8446 section 6).
	Code int
	// Reason is close's reason, "" when none was given.
	Reason string
	// When is the trigger; zero means from the start.
	When When
}

// String formats the verb as a spec would write it.
func (v Verb) String() string {
	var b strings.Builder
	b.WriteString(v.Kind.String())
	switch v.Kind {
	case Delay:
		b.WriteString(":" + v.Dur.String())
		if v.Jitter > 0 {
			b.WriteString("~" + v.Jitter.String())
		}
	case HSDelay:
		b.WriteString(":" + v.Dur.String())
	case Frag, BW:
		b.WriteString(":" + formatSize(v.Size))
	case Alert:
		b.WriteString(":" + alertName(uint8(v.Code)))
	case Status:
		b.WriteString(":" + strconv.Itoa(v.Code))
	case Close:
		if v.Code != 0 {
			b.WriteString(":" + strconv.Itoa(v.Code))
			if v.Reason != "" {
				b.WriteString(":" + v.Reason)
			}
		}
	}
	b.WriteString(v.When.String())
	return b.String()
}

// Spec is a parsed fault spec: at most MaxVerbs verbs, each at most once.
// A nil *Spec means no faults. A Spec does not change once parsed and is
// safe for concurrent use.
type Spec struct {
	verbs []Verb
}

// Verbs returns the verbs in the order they were written.
func (s *Spec) Verbs() []Verb {
	if s == nil {
		return nil
	}
	return append([]Verb(nil), s.verbs...)
}

// Get returns the verb of kind k, if the spec has it.
func (s *Spec) Get(k Kind) (Verb, bool) {
	if s != nil {
		for _, v := range s.verbs {
			if v.Kind == k {
				return v, true
			}
		}
	}
	return Verb{}, false
}

// Has tells whether the spec has a verb of kind k.
func (s *Spec) Has(k Kind) bool {
	_, ok := s.Get(k)
	return ok
}

// String formats the spec in the canonical form that Parse reads back to
// an equal Spec: durations as Go writes them, sizes in KiB, MiB or GiB when
// they are whole multiples.
func (s *Spec) String() string {
	if s == nil {
		return ""
	}
	parts := make([]string, len(s.verbs))
	for i, v := range s.verbs {
		parts[i] = v.String()
	}
	return strings.Join(parts, ",")
}

// formatSize writes n in GiB, MiB or KiB when it is a whole multiple, so
// that "bw:8KiB" reads back the way it was written.
func formatSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "GiB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "KiB"
	}
	return strconv.FormatInt(n, 10)
}
