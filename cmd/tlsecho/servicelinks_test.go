package main

import (
	"strings"
	"testing"
)

// serviceLinks are the variables Kubernetes sets in a pod for the Service
// of deploy/kubernetes/service.yaml (named tlsecho, ports tls 8433 and
// https 8443), and for another one named tlsecho-admin with an IPv6
// cluster IP.
var serviceLinks = []string{
	"TLSECHO_SERVICE_HOST=10.96.12.34",
	"TLSECHO_SERVICE_PORT=8433",
	"TLSECHO_SERVICE_PORT_TLS=8433",
	"TLSECHO_SERVICE_PORT_HTTPS=8443",
	"TLSECHO_PORT=tcp://10.96.12.34:8433",
	"TLSECHO_PORT_8433_TCP=tcp://10.96.12.34:8433",
	"TLSECHO_PORT_8433_TCP_PROTO=tcp",
	"TLSECHO_PORT_8433_TCP_PORT=8433",
	"TLSECHO_PORT_8433_TCP_ADDR=10.96.12.34",
	"TLSECHO_PORT_8443_TCP=tcp://10.96.12.34:8443",
	"TLSECHO_PORT_8443_TCP_PROTO=tcp",
	"TLSECHO_PORT_8443_TCP_PORT=8443",
	"TLSECHO_PORT_8443_TCP_ADDR=10.96.12.34",
	"TLSECHO_ADMIN_SERVICE_HOST=fd00::1:2",
	"TLSECHO_ADMIN_SERVICE_PORT=9090",
	"TLSECHO_ADMIN_PORT=tcp://[fd00::1:2]:9090",
	"TLSECHO_ADMIN_PORT_9090_TCP_ADDR=fd00::1:2",
}

// TestServiceLinksNotWarned: the variables Kubernetes sets for a Service
// named tlsecho, as the deploy manifests name it, are not taken for
// misspelt settings; a name of that shape with a value Kubernetes would
// not give it is a mistake of the operator's, and still warned of.
func TestServiceLinksNotWarned(t *testing.T) {
	t.Parallel()
	mistakes := []string{
		"TLSECHO_TLS_PORT=8433",              // no such setting: TLSECHO_TLS_ADDR
		"TLSECHO_PORT=8433",                  // not the URL Kubernetes writes
		"TLSECHO_SERVICE_HOST=tlsecho.local", // not a cluster IP
		"TLSECHO_PORT_8433_TCP_PROTO=udp",    // not the protocol of its name
	}
	got := unknownVars(append(append([]string(nil), serviceLinks...), mistakes...))
	var names []string
	for _, u := range got {
		names = append(names, u.name)
	}
	want := []string{"TLSECHO_TLS_PORT", "TLSECHO_PORT", "TLSECHO_SERVICE_HOST", "TLSECHO_PORT_8433_TCP_PROTO"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("warned of %v, want %v", names, want)
	}

	// The real process, in such a pod: its start line and no warning
	// before it (the warnings come first).
	p := startProc(t, serviceLinks...)
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.log {
		if msg, _ := m["msg"].(string); strings.Contains(msg, "not a tlsecho setting") {
			t.Errorf("warned at start: %v", m)
		}
	}
}
