package main

import (
	"io"
	"math"
	"net/url"
	"testing"
	"time"
)

// FuzzLoadArgs gives tlsecho-load any -c, -d, -text and -metrics (with
// -remote, so nothing is looked up), and soak the first three. What they
// take has at least one connection per target (two for soak), a positive
// duration, a text fraction from 0 to 1 and a metrics URL of http or
// https with a host.
func FuzzLoadArgs(f *testing.F) {
	for _, s := range [][4]string{
		{"50", "10s", "0", ""}, {"50", "10s", "NaN", ""}, {"1", "1ns", "1", "http://127.0.0.1:9090/metrics"}, {"0", "10s", "0.5", ""},
		{"50", "-1s", "NaN", ""}, {"50", "10s", "Inf", "ftp://x"}, {"50", "10s", "-0", "http://"}, {"50", "10s", "0x1p-2", "https://[::1]:9090/m"},
		{"50", "10s", "1e-300", "http://a b"}, {"0x10", "1h", "0.0", "127.0.0.1:9090"},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, conns, duration, text, metrics string) {
		args := []string{"-remote", "-c", conns, "-d", duration, "-text", text}
		if metrics != "" {
			args = append(args, "-metrics", metrics)
		}
		own, err := parseOwn("soak", "", []string{"-c", conns, "-d", duration, "-text", text},
			&ownFlags{conns: 1000, duration: time.Minute, size: "1KiB"}, io.Discard)
		if err == nil && (own.conns < 2 || own.duration <= 0 || math.IsNaN(own.text) || own.text < 0 || own.text > 1) {
			t.Fatalf("soak -c %q -d %q -text %q taken as %d connections for %v, text %v", conns, duration, text, own.conns, own.duration, own.text)
		}
		o, err := parse(append(args, "tls://127.0.0.1:8433"), io.Discard)
		if err != nil {
			return
		}
		if o.conns < 1 || o.duration <= 0 {
			t.Fatalf("-c %q -d %q taken as %d connections for %v", conns, duration, o.conns, o.duration)
		}
		if math.IsNaN(o.text) || o.text < 0 || o.text > 1 {
			t.Fatalf("-text %q taken as %v", text, o.text)
		}
		if metrics != "" {
			u, err := url.Parse(o.metricsURL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				t.Fatalf("-metrics %q taken", metrics)
			}
		}
	})
}
