package main

import (
	"errors"
	"fmt"

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
		Default:          spec,
		HandshakeTimeout: c.HandshakeTimeout,
		IdleTimeout:      c.IdleTimeout,
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

// verbError drops the package prefix of a spec error: the line already
// names the variable, and then the verb.
func verbError(err error) error {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fmt.Errorf("%s: %s", fe.Verb, fe.Reason)
	}
	return err
}
