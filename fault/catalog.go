package fault

import (
	"slices"
	"strconv"
	"strings"
)

// Catalog describes the faults a server offers, for /info: the page builds
// its Faults field from it, and a script can read the bounds instead of
// guessing them.
type Catalog struct {
	// Enabled tells whether faults are on; while they are off every
	// spec is refused ([ErrOff]), and Verbs still lists them.
	Enabled bool `json:"enabled"`
	// Default is the spec every connection gets unless another source
	// gives one; "" for none.
	Default string `json:"default"`
	// MaxVerbs is the most verbs one spec may hold ([MaxVerbs]).
	MaxVerbs int `json:"max_verbs"`
	// When says what @N and @D count and their bounds.
	When string `json:"when"`
	// Verbs describes every verb there is, whether or not Enabled.
	Verbs []VerbInfo `json:"verbs"`
	// Presets are ready-made specs the page offers as quick picks.
	Presets []Preset `json:"presets"`
}

// VerbInfo describes one verb.
type VerbInfo struct {
	// Name is the verb as a spec writes it ("delay").
	Name string `json:"name"`
	// Syntax is how the verb is written, such as "delay:D[~J]".
	Syntax string `json:"syntax"`
	// On lists the echoes it acts on: "tls" (the raw port), "ws".
	On []string `json:"on"`
	// When tells whether it takes @N or @D.
	When bool `json:"when"`
	// URL tells whether /ws?fault= may ask for it.
	URL bool `json:"url"`
	// Bounds states the limits of its argument, "" when it has none.
	Bounds string `json:"bounds"`
	// Effect says what it does, in a sentence.
	Effect string `json:"effect"`
}

// Preset is a ready-made spec with a name for people.
type Preset struct {
	// Name is the label people pick it by ("slow echo").
	Name string `json:"name"`
	// Spec is the spec it stands for, as Parse takes it.
	Spec string `json:"spec"`
}

// presets are the page's quick picks: the unhappy paths clients most
// often get wrong.
var presets = []Preset{
	{"slow echo", "delay:500ms~100ms"},
	{"1-byte frames", "frag:1"},
	{"close 4001 after 3", "close:4001:fault@3"},
	{"no pongs", "nopong"},
	{"reset after 1", "rst@1"},
}

var both, wsOnly = []string{"tls", "ws"}, []string{"ws"}

var maxDur = MaxDuration.String()

var whenInfo = "@N: after the N-th echo, counting messages on /ws and bytes on the raw port (KiB, MiB allowed), N from 1 to " +
	strconv.Itoa(MaxCount) + "; @D: D after the connection opened, at most " + maxDur + "; without @ a verb acts from the start"

// verbInfos is the one short description of every verb: /info serves
// it and the page renders it. The README's table of verbs is written
// apart, at more length: a change here needs one there.
var verbInfos = [numKinds]VerbInfo{
	Delay: {Syntax: "delay:D[~J]", On: both, When: true, URL: true,
		Bounds: "D and J from 0 to " + maxDur + ", not both 0",
		Effect: "each echo is held D plus a uniform random 0..J before it is sent; order is kept"},
	Frag: {Syntax: "frag:N", On: both, When: true, URL: true,
		Bounds: "N from 1 to " + strconv.Itoa(MaxFrag) + " bytes",
		Effect: "/ws: frames of at most N payload bytes, sent uncompressed also with permessage-deflate; raw: TLS records of at most N bytes"},
	BW: {Syntax: "bw:RATE", On: both, When: true, URL: true,
		Bounds: "RATE from 1KiB to 1GiB per second",
		Effect: "echo throughput capped at RATE bytes per second"},
	HSDelay: {Syntax: "hsdelay:D", On: both,
		Bounds: "D above 0, below the handshake timeout and at most " + maxDur,
		Effect: "the server waits D before answering the ClientHello (not from a URL)"},
	Alert: {Syntax: "alert:NAME", On: both,
		Bounds: "NAME: " + strings.Join(AlertNames(), ", "),
		Effect: "the ClientHello is answered with that fatal TLS alert and the connection closed (not from a URL)"},
	Close: {Syntax: "close[:CODE[:REASON]]", On: both, When: true, URL: true,
		Bounds: "CODE 1000-1003, 1007-1014 or 3000-4999; REASON at most 123 bytes, no comma or @",
		Effect: "/ws: the server starts the closing handshake with CODE; raw: close_notify, then the connection is closed"},
	FIN: {Syntax: "fin", On: both, When: true, URL: true,
		Effect: "TCP FIN with no close frame and no close_notify"},
	RST: {Syntax: "rst", On: both, When: true, URL: true,
		Effect: "TCP reset"},
	Blackhole: {Syntax: "blackhole", On: both, When: true, URL: true,
		Effect: "nothing more is read or written, the socket stays open until the client closes or the idle timeout"},
	NoPong: {Syntax: "nopong", On: wsOnly, When: true, URL: true,
		Effect: "pings are no longer answered"},
	Status: {Syntax: "status:CODE", On: wsOnly, URL: true,
		Bounds: "CODE from 400 to 599",
		Effect: "the upgrade is refused with that HTTP status"},
}

// Describe returns the catalog of this server's faults.
func (in *Injector) Describe() Catalog {
	// Copies: the catalog is the caller's, and the tables behind it are
	// the package's for every Injector.
	c := Catalog{Enabled: in.Enabled(), MaxVerbs: MaxVerbs, When: whenInfo, Presets: slices.Clone(presets)}
	if in.o.Default != nil {
		c.Default = in.o.Default.String()
	}
	for k := Delay; k < numKinds; k++ {
		vi := verbInfos[k]
		vi.Name = k.String()
		vi.On = slices.Clone(vi.On)
		c.Verbs = append(c.Verbs, vi)
	}
	return c
}
