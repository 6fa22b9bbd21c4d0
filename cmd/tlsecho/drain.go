package main

import (
	"errors"
	"fmt"
	"time"
)

// delayDrain turns /readyz to 503 and keeps every listener accepting for
// TLSECHO_DRAIN_DELAY. A load balancer or an orchestrator probing /readyz
// takes this copy out of rotation during the delay; until it has, it still
// sends new connections here, and refusing them would fail clients that a
// peer could have served. A listener failing ends the delay early.
func (a *app) delayDrain(errc <-chan error) error {
	a.ready.Store(false)
	if a.cfg.DrainDelay <= 0 {
		return nil
	}
	a.log.Info("not ready; serving new connections until the drain", "drain_delay", a.cfg.DrainDelay)
	t := time.NewTimer(a.cfg.DrainDelay)
	defer t.Stop()
	select {
	case <-t.C:
		a.log.Info("drain delay over; closing the listeners")
		return nil
	case err := <-errc:
		a.log.Error("listener failed during the drain delay; shutting down", "err", err)
		return err
	}
}

// validateBalancer checks the settings for running behind a load balancer
// or in a cluster.
func (c *Config) validateBalancer() error {
	if c.DrainDelay < 0 {
		return &configError{Var: "TLSECHO_DRAIN_DELAY", Err: fmt.Errorf("must not be negative, not %v", c.DrainDelay)}
	}
	if c.DrainDelay >= c.ShutdownTimeout {
		return &configError{Var: "TLSECHO_DRAIN_DELAY", Err: fmt.Errorf(
			"%v leaves no time to drain: the delay counts inside TLSECHO_SHUTDOWN_TIMEOUT (%v); shorten the delay or raise the timeout",
			c.DrainDelay, c.ShutdownTimeout)}
	}
	// `tlsecho health` carries no client certificate, so with mTLS on it
	// can only ask the admin listener, which never asks for one.
	if c.ClientCAFile != "" && c.AdminAddr == "" {
		return &configError{Var: "TLSECHO_ADMIN_ADDR", Err: errors.New(
			"empty turns off the only listener `tlsecho health` can ask while TLSECHO_CLIENT_CA_FILE requires client certificates on the TLS ports; keep the admin listener on")}
	}
	return nil
}
