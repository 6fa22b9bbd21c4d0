package main

import (
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// FuzzUnknownVars: a variable is warned of when its prefix is TLSECHO_
// in any case, no setting reads it and Kubernetes did not set it for a
// Service; the setting it names as meant is the nearest by edit
// distance, under 4, as a search of every setting without the length
// shortcut finds it.
func FuzzUnknownVars(f *testing.F) {
	for _, s := range [][2]string{
		{"TLSECHO_IDLE_TIMOUT", "30s"}, {"tlsecho_idle_timeout", "30s"}, {"TLSECHO_TLS_ADDR", ":8433"},
		{"TLSECHO_SERVICE_HOST", "10.0.0.1"}, {"TLSECHO_SERVICE_HOST", "tlsecho"}, {"TLSECHO_PORT", "tcp://10.0.0.1:8433"},
		{"TLSECHO_PORT_8433_TCP_PROTO", "tcp"}, {"TLSECHO_TLS_PORT", "8433"}, {"TLSECHO_", ""}, {"TLSECH", "x"},
		{"TLSECHO_HOST", "a"}, {"TLSECHO_MAX_CONN", "1"}, {"PATH", "/bin"}, {"TLSECHO_LOG_LEVEL=", "x"},
	} {
		f.Add(s[0], s[1])
	}
	known := configVars()
	f.Fuzz(func(t *testing.T, name, value string) {
		if strings.Contains(name, "=") {
			return // the environment's form cannot carry it
		}
		got := unknownVars([]string{name + "=" + value})
		want := len(name) >= len(envPrefix) && strings.EqualFold(name[:len(envPrefix)], envPrefix) &&
			!slices.Contains(known, name) && !isServiceLink(name, value)
		if want != (len(got) == 1) || len(got) > 1 {
			t.Fatalf("%s=%s: warned of %v, want a warning %v", name, value, got, want)
		}
		if !want {
			return
		}
		if got[0].name != name {
			t.Fatalf("%s warned of as %q", name, got[0].name)
		}
		best, meant := 4, ""
		for _, k := range fieldOrder() {
			if d := editDistance(strings.ToUpper(name), k); d < best {
				best, meant = d, k
			}
		}
		if got[0].meant != meant {
			t.Fatalf("%s: meant %q, but the nearest setting is %q (%d edits)", name, got[0].meant, meant, best)
		}
	})
}

// fieldOrder is the settings in Config's field order, the order
// unknownVars tries them in.
func fieldOrder() []string {
	var out []string
	for f := range reflect.TypeFor[Config]().Fields() {
		out = append(out, envPrefix+f.Tag.Get("env"))
	}
	return out
}

// FuzzServiceLink: every variable Kubernetes sets for a Service, for any
// Service name, cluster IP and port, is taken for one, so no warning is
// given of it; a setting is never taken for one.
func FuzzServiceLink(f *testing.F) {
	f.Add("TLSECHO", []byte{10, 96, 0, 12}, uint16(8433), uint8(0))
	f.Add("MY_ECHO_2", []byte{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, uint16(443), uint8(1))
	f.Add("A", []byte{127, 0, 0, 1}, uint16(1), uint8(2))
	f.Fuzz(func(t *testing.T, service string, ip []byte, port uint16, proto uint8) {
		addr, ok := netip.AddrFromSlice(ip)
		if !ok || port == 0 || service == "" || strings.Trim(service, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "" {
			return
		}
		p := []string{"TCP", "UDP", "SCTP"}[int(proto)%3]
		ps := strconv.Itoa(int(port))
		url := strings.ToLower(p) + "://" + netip.AddrPortFrom(addr, port).String()
		vars := [][2]string{
			{service + "_SERVICE_HOST", addr.String()},
			{service + "_SERVICE_PORT", ps},
			{service + "_SERVICE_PORT_HTTPS", ps},
			{service + "_PORT", url},
			{service + "_PORT_" + ps + "_" + p, url},
			{service + "_PORT_" + ps + "_" + p + "_PROTO", strings.ToLower(p)},
			{service + "_PORT_" + ps + "_" + p + "_PORT", ps},
			{service + "_PORT_" + ps + "_" + p + "_ADDR", addr.String()},
		}
		for _, v := range vars {
			if !isServiceLink(v[0], v[1]) {
				t.Errorf("%s=%s, as Kubernetes sets it, not taken for a Service's", v[0], v[1])
			}
		}
		for _, k := range configVars() {
			for _, v := range vars {
				if isServiceLink(k, v[1]) {
					t.Errorf("setting %s=%s taken for a Service's variable", k, v[1])
				}
			}
		}
	})
}
