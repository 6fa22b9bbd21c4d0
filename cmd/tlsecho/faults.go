package main

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/tlsecho/tlsecho/fault"
)

// faultOptions reads TLSECHO_FAULT and TLSECHO_FAULTS into the options of
// the fault injector, checked: a bad spec, one with hsdelay not below the
// handshake timeout, or one set while faults are off, is a configuration
// error naming TLSECHO_FAULT and the verb.
func (c *Config) faultOptions() (fault.Options, error) {
	spec, err := fault.Parse(c.Fault)
	if err != nil {
		return fault.Options{}, &configError{Var: "TLSECHO_FAULT", Err: verbError(err)}
	}
	if spec != nil && !c.Faults {
		return fault.Options{}, &configError{Var: "TLSECHO_FAULT",
			Err: errors.New("set while TLSECHO_FAULTS=false refuses every fault: unset one of the two")}
	}
	o := fault.Options{
		Disabled:         !c.Faults,
		OffSetting:       "TLSECHO_FAULTS=false",
		Default:          spec,
		DefaultSetting:   "TLSECHO_FAULT",
		HandshakeTimeout: c.HandshakeTimeout,
		IdleTimeout:      c.IdleTimeout,
		Memory:           fault.NewBudget(faultMemory(c.MaxMessageBytes)),
		Listeners:        []string{fault.ListenerTLS, fault.ListenerHTTPS},
	}
	if c.HTTPAddr != "" {
		o.Listeners = append(o.Listeners, fault.ListenerHTTP)
	}
	if _, err := fault.New(o); err != nil {
		return fault.Options{}, &configError{Var: "TLSECHO_FAULT", Err: verbError(err)}
	}
	return o, nil
}

// faultEchoMessages is how many messages of TLSECHO_MAX_MESSAGE_BYTES
// the /ws echoes with faults of the whole server may hold at once (under
// delay each holds its messages whole; otherwise a piece of about 16 KiB):
// enough for many clients testing with large messages, few enough that no
// client can hold the memory sized for streaming echoes (README,
// Scaling).
const faultEchoMessages = 64

// faultMemory is the budget of the /ws echoes with faults (fault.Budget):
// faultEchoMessages messages of the largest size, at least
// fault.DefaultMemory, so that small messages are not refused for the
// buffers' rounding up.
func faultMemory(maxMessage int64) int64 {
	if maxMessage > math.MaxInt64/faultEchoMessages {
		return math.MaxInt64
	}
	return max(fault.DefaultMemory, faultEchoMessages*maxMessage)
}

// verbError drops the package prefix of a spec error: the line already
// names the variable, and then the verb.
func verbError(err error) error {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fmt.Errorf("%s: %s", fe.Verb, fe.Reason)
	}
	return err
}

// healthHandshakeVerb is the handshake verb of TLSECHO_FAULT that the
// handshake of `tlsecho health` gets, when it has to ask /healthz over the
// HTTPS port (the admin and HTTP listeners off): TLSECHO_FAULT is taken by
// every connection there, the health command's too. ok is false when
// health asks a plain listener or the spec has no such verb.
func (c *Config) healthHandshakeVerb(k fault.Kind) (v fault.Verb, ok bool) {
	if c.AdminAddr != "" || c.HTTPAddr != "" || !c.Faults {
		return fault.Verb{}, false
	}
	spec, err := fault.Parse(c.Fault)
	if err != nil {
		return fault.Verb{}, false
	}
	return spec.Get(k)
}

// healthFaultProblem says why `tlsecho health` cannot pass the HTTPS
// port's handshake, or returns "": an alert in TLSECHO_FAULT refuses
// every handshake there.
func (c *Config) healthFaultProblem() string {
	v, ok := c.healthHandshakeVerb(fault.Alert)
	if !ok {
		return ""
	}
	return "TLSECHO_FAULT=" + c.Fault + " answers every TLS handshake on the HTTPS port with " + v.String() +
		", and with TLSECHO_ADMIN_ADDR and TLSECHO_HTTP_ADDR off `tlsecho health` asks /healthz there; turn one of them on"
}

// healthHandshakeDelay is how long TLSECHO_FAULT's hsdelay holds the
// handshake of `tlsecho health`, 0 when it does not: health waits that
// long on top of its own timeout, since the server does answer, only
// later.
func (c *Config) healthHandshakeDelay() time.Duration {
	v, _ := c.healthHandshakeVerb(fault.HSDelay)
	return v.Dur
}

// defaultHandshakeVerbs names the verbs of TLSECHO_FAULT that act on the
// TLS handshake (hsdelay, alert), "" when it has none. Those come before
// any request is read, so they reach every TLS connection of the raw TLS
// and HTTPS ports, not only the echoes: the page, /info and /healthz too.
func (c *Config) defaultHandshakeVerbs() string {
	spec, err := fault.Parse(c.Fault)
	if err != nil {
		return ""
	}
	var names []string
	for _, k := range []fault.Kind{fault.HSDelay, fault.Alert} {
		if v, ok := spec.Get(k); ok {
			names = append(names, v.String())
		}
	}
	return strings.Join(names, " and ")
}
