package fault

import (
	"strings"
	"testing"
)

// TestArmHandshakeVerbOnHTTP: the plain HTTP listener has no TLS
// handshake, so hsdelay and alert armed for it are refused (they would
// sit armed and never act), and every other verb is taken there.
func TestArmHandshakeVerbOnHTTP(t *testing.T) {
	in := newInjector(t, Options{Listeners: []string{ListenerTLS, ListenerHTTPS, ListenerHTTP}})
	for _, spec := range []string{"hsdelay:1ms", "alert:internal_error"} {
		if _, err := in.Arm(ListenerHTTP, spec, 1); err == nil || !strings.Contains(err.Error(), "listener http has none") {
			t.Errorf("Arm(http, %s) = %v, want a refusal naming the missing handshake", spec, err)
		}
	}
	if _, err := in.Arm(ListenerHTTP, "nopong,status:503", 1); err != nil {
		t.Errorf("Arm(http, nopong,status:503): %v", err)
	}
}

// TestArmCountBounds: Arm itself, not only POST /faults, refuses a count
// below 1: a spec armed for no connection would be listed and never act.
func TestArmCountBounds(t *testing.T) {
	in := newInjector(t, Options{})
	for _, n := range []int{0, -1, MaxArmCount + 1} {
		if a, err := in.Arm(ListenerTLS, "rst", n); err == nil {
			t.Errorf("Arm(tls, rst, %d) = %+v, want an error", n, a)
		}
	}
	if _, err := in.Arm(ListenerTLS, "rst", MaxArmCount); err != nil {
		t.Errorf("Arm(tls, rst, %d): %v", MaxArmCount, err)
	}
}
