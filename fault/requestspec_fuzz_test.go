package fault

import (
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// FuzzRequestSpec gives /ws any raw query, faults on or off. A request
// without the fault parameter keeps the spec armed at accept; with it,
// faults off refuse it, and faults on give the spec Parse reads from the
// parameter's value, which holds no verb acting before the handshake, or
// a one-line refusal. A spec taken writes out as text that parses back to
// it.
func FuzzRequestSpec(f *testing.F) {
	for _, q := range []string{"", "fault=delay:100ms", "fault=close:4001@3&x=1", "fault=", "fault", "fault=hsdelay:1s",
		"fault=alert", "fault=rst&fault=fin", "fault=%zz", "fault=delay:1ms;x=1", "FAULT=rst", "fault%3Drst", "a=b&fault=frag:1,bw:1KiB"} {
		f.Add(q, false)
		f.Add(q, true)
	}
	f.Fuzz(func(t *testing.T, query string, disabled bool) {
		in := newInjector(t, Options{Disabled: disabled, Listeners: []string{ListenerTLS, ListenerHTTPS, ListenerHTTP}})
		armed := &Spec{}
		r := &http.Request{URL: &url.URL{RawQuery: query}}
		spec, err := in.RequestSpec(r, armed)
		text, given, qerr := queryParam(query)
		switch {
		case !given:
			if err != nil || spec != armed {
				t.Fatalf("?%s without the parameter: %v, %v; want the armed spec", query, spec, err)
			}
			return
		case disabled:
			if !errors.Is(err, ErrOff) {
				t.Fatalf("?%s with faults off: %v, %v; want ErrOff", query, spec, err)
			}
			return
		case qerr != nil || err != nil:
			if err == nil || strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("?%s: %v (query %v); want a one-line refusal", query, err, qerr)
			}
			return
		case text == "":
			if spec != armed {
				t.Fatalf("?%s with an empty parameter: %v; want the armed spec", query, spec)
			}
			return
		}
		want, perr := Parse(text)
		if perr != nil || !reflect.DeepEqual(spec.Verbs(), want.Verbs()) {
			t.Fatalf("?%s gives %v, Parse(%q) %v (%v)", query, spec, text, want, perr)
		}
		for _, v := range spec.Verbs() {
			if v.Kind.handshake() {
				t.Fatalf("?%s arms %v, which acts before the handshake", query, v)
			}
		}
		again, err := Parse(spec.String())
		if err != nil || !reflect.DeepEqual(again.Verbs(), spec.Verbs()) {
			t.Fatalf("?%s gives %q, which parses back to %v (%v)", query, spec.String(), again, err)
		}
	})
}
