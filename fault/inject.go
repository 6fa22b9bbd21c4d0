package fault

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// Listener names, as the accept pipeline and POST /faults write them.
const (
	ListenerTLS   = "tls"   // the raw TLS echo
	ListenerHTTPS = "https" // the page and wss:// /ws
	ListenerHTTP  = "http"  // the page and ws:// /ws behind a TLS-terminating balancer
)

// Defaults applied when the matching Options field is zero.
const (
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultIdleTimeout      = 5 * time.Minute
	// DefaultMemory is the Budget of the /ws echoes with faults when
	// Options gives none.
	DefaultMemory = 64 << 20
)

// ErrOff is wrapped by every refusal while faults are turned off.
var ErrOff = errors.New("fault: faults are turned off on this server")

// Options configure an Injector. The zero value turns faults on with no
// default spec.
type Options struct {
	// Disabled refuses every fault, from every source.
	Disabled bool
	// OffSetting names the setting that turned faults off, as an
	// operator writes it (an environment variable and its value, a
	// flag): each refusal says it after ErrOff's words, so that a user
	// knows what to change. Empty leaves it out.
	OffSetting string
	// Default is the spec of every connection that no other source gives
	// one; nil for none. Check it with CheckDefault.
	Default *Spec
	// DefaultSetting names where an operator sets Default (an environment
	// variable, a flag), for the words that send a verb a URL cannot
	// carry there; empty says "Options.Default".
	DefaultSetting string
	// HandshakeTimeout is the listeners' handshake timeout: hsdelay must
	// stay below it.
	HandshakeTimeout time.Duration
	// IdleTimeout is the listeners' idle timeout: how long blackhole holds
	// a socket the client leaves open.
	IdleTimeout time.Duration
	// Listeners names the listeners that serve, which POST /faults may
	// arm; nil means tls and https.
	Listeners []string
	// Logger receives each fault applied and each arming; nil discards.
	Logger *slog.Logger
	// Applied, when set, is called with the verb's name each time a verb
	// takes effect on a connection (tlsecho_faults_total{verb}). It must
	// be fast and safe for concurrent use.
	Applied func(verb string)
	// Memory bounds what the /ws echoes with faults of every connection
	// hold at once (see Budget); nil for one of DefaultMemory.
	Memory *Budget
}

// Injector decides which faults each connection gets and carries them
// out: it holds the armed specs and the default, parses URL specs, and
// starts each connection's Session. Its methods are safe for concurrent
// use.
type Injector struct {
	o   Options
	log *slog.Logger
	reg registry
	// bufs lends the /ws echoes their message buffers, shared by every
	// connection of the Injector and charged to o.Memory.
	bufs buffers
}

// ConnInfo names a connection in logs and triggers.
type ConnInfo struct {
	// Listener is the listener that accepted it ("tls", "https", "http").
	Listener string
	// Peer is the client's address.
	Peer string
	// Balancer is the address of the load balancer whose PROXY header
	// named Peer, or "" without one: logged beside the peer.
	Balancer string
	// Opened is when it was accepted: @D counts from it.
	Opened time.Time
}

// New returns an Injector. It fails when Default does not fit the
// options (see CheckDefault).
func New(o Options) (*Injector, error) {
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.Listeners == nil {
		o.Listeners = []string{ListenerTLS, ListenerHTTPS}
	}
	if o.Memory == nil {
		o.Memory = NewBudget(DefaultMemory)
	}
	in := &Injector{o: o, log: o.Logger, bufs: buffers{budget: o.Memory}}
	if in.log == nil {
		in.log = slog.New(slog.DiscardHandler)
	}
	if err := in.CheckDefault(o.Default); err != nil {
		return nil, err
	}
	return in, nil
}

// errOff is the refusal while faults are off: ErrOff, with the setting
// that turned them off when Options names it.
func (in *Injector) errOff() error {
	if in.o.OffSetting == "" {
		return ErrOff
	}
	return fmt.Errorf("%w (%s)", ErrOff, in.o.OffSetting)
}

// defaultSetting is where an operator sets the default spec, as the
// words that send a verb there name it.
func (in *Injector) defaultSetting() string {
	if in.o.DefaultSetting == "" {
		return "Options.Default"
	}
	return in.o.DefaultSetting
}

// Enabled tells whether faults are on.
func (in *Injector) Enabled() bool { return !in.o.Disabled }

// IdleTimeout is how long a blackhole holds a socket.
func (in *Injector) IdleTimeout() time.Duration { return in.o.IdleTimeout }

// CheckDefault checks a spec meant for every connection on every
// listener: refused while faults are off, and hsdelay must stay below the
// handshake timeout. Verbs a transport has no use for (nopong on the raw
// port) are left out there.
func (in *Injector) CheckDefault(spec *Spec) error {
	if spec == nil {
		return nil
	}
	if in.o.Disabled {
		return fmt.Errorf("%w: a default fault spec cannot be set", in.errOff())
	}
	return in.checkHandshake(spec)
}

func (in *Injector) checkHandshake(spec *Spec) error {
	if v, ok := spec.Get(HSDelay); ok && v.Dur >= in.o.HandshakeTimeout {
		return errorf("hsdelay", "%v must be below the handshake timeout (%v), or no handshake could finish", v.Dur, in.o.HandshakeTimeout)
	}
	return nil
}

// ParseURL reads the fault query parameter of a /ws request. A URL is read
// after the TLS handshake, so hsdelay and alert are refused with a line
// saying where they can come from. Empty text is no spec.
func (in *Injector) ParseURL(text string) (*Spec, error) {
	if in.o.Disabled {
		if strings.TrimSpace(text) == "" {
			return nil, nil
		}
		return nil, in.errOff()
	}
	spec, err := Parse(text)
	if err != nil {
		return nil, err
	}
	for _, v := range spec.Verbs() {
		if v.Kind.handshake() {
			return nil, errorf(v.Kind.String(), "acts before the TLS handshake, and a URL is read after it: arm it with POST /faults on the admin port, or set %s", in.defaultSetting())
		}
	}
	return spec, nil
}

// Arm parses text and arms it for the next count connections accepted on
// listener ("tls", "https" or its alias "wss", "http"), checking that each
// verb acts there.
func (in *Injector) Arm(listener, text string, count int) (Armed, error) {
	if in.o.Disabled {
		return Armed{}, in.errOff()
	}
	name := lowerASCII(strings.TrimSpace(listener))
	if name == "wss" {
		name = ListenerHTTPS
	}
	if !slices.Contains(in.o.Listeners, name) {
		return Armed{}, fmt.Errorf("fault: listener %q: want one of %s", listener, strings.Join(in.listenerNames(), ", "))
	}
	spec, err := Parse(text)
	if err != nil {
		return Armed{}, err
	}
	if spec == nil {
		return Armed{}, errorf("spec", "empty; give verbs such as delay:100ms,close:4001@3")
	}
	if err := in.checkHandshake(spec); err != nil {
		return Armed{}, err
	}
	for _, v := range spec.verbs {
		if err := checkListener(v, name); err != nil {
			return Armed{}, err
		}
	}
	if err := in.reg.arm(name, spec, count); err != nil {
		return Armed{}, fmt.Errorf("fault: %w", err)
	}
	in.log.Info("faults armed", "listener", name, "spec", spec.String(), "count", count)
	return Armed{Listener: name, Spec: spec.String(), Remaining: count}, nil
}

func (in *Injector) listenerNames() []string {
	names := slices.Clone(in.o.Listeners)
	if slices.Contains(names, ListenerHTTPS) {
		names = append(names, "wss")
	}
	return names
}

// checkListener refuses a verb armed for a listener where it cannot act.
func checkListener(v Verb, listener string) error {
	vn := v.Kind.String()
	switch {
	case listener == ListenerTLS && (v.Kind == NoPong || v.Kind == Status):
		return errorf(vn, "acts on /ws only, and listener tls is the raw TLS echo")
	case listener == ListenerTLS && v.Kind == Close && v.Code != 0:
		return errorf(vn, "the raw TLS echo closes with close_notify, which has no code: write close")
	case listener == ListenerHTTP && v.Kind.handshake():
		return errorf(vn, "acts on the TLS handshake, and listener http has none")
	}
	return nil
}

// Armed lists the armed specs with how many connections each still gets.
func (in *Injector) Armed() []Armed { return in.reg.list() }

// Disarm drops every armed spec and returns how many there were.
func (in *Injector) Disarm() int {
	n := in.reg.disarm()
	if n > 0 {
		in.log.Info("faults disarmed", "specs", n)
	}
	return n
}

// Take returns the spec of a connection just accepted on listener: the
// one armed first for it (counting the connection against it), else the
// default, else nil. It is called for every connection, and costs an
// atomic load while nothing is armed.
func (in *Injector) Take(listener string) *Spec {
	if in == nil || in.o.Disabled {
		return nil
	}
	if s := in.reg.take(listener); s != nil {
		return s
	}
	return in.o.Default
}

// applied logs and counts a verb taking effect on a connection.
func (in *Injector) applied(ci ConnInfo, spec *Spec, v Verb) {
	if in.o.Applied != nil {
		in.o.Applied(v.Kind.String())
	}
	if in.log.Enabled(context.Background(), slog.LevelDebug) {
		attrs := []any{"listener", ci.Listener, "peer", ci.Peer}
		if ci.Balancer != "" {
			attrs = append(attrs, "balancer", ci.Balancer)
		}
		in.log.Debug("fault applied", append(attrs, "verb", v.String(), "spec", spec.String())...)
	}
}

// Applied logs and counts a verb a transport carried out itself, such as
// status:CODE refusing an upgrade.
func (in *Injector) Applied(ci ConnInfo, spec *Spec, v Verb) { in.applied(ci, spec, v) }
