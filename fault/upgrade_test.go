package fault

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzQueryParam: where url.ParseQuery reads a query whole and finds the
// fault parameter at most once, queryParam agrees with it; anywhere else
// it may refuse, in one line, but never loses a fault parameter that
// ParseQuery sees.
func FuzzQueryParam(f *testing.F) {
	for _, s := range []string{
		"", "fault=delay:1s", "fault=", "fault", "x=1&fault=close%3A4001%3Abye%403",
		"fault=delay:1s;rst", "x=1;fault=rst", "x=1;y=2&fault=rst", "fault=close:4001:100%",
		"fault=a&fault=b", "fa%75lt=rst", "fault=delay+1s", "%zz=1&fault=frag:1", "&&fault=nopong&",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		value, given, err := queryParam(raw)
		if err != nil {
			if !given {
				t.Fatalf("queryParam(%q): error %v with no parameter given", raw, err)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("queryParam(%q): error spans lines: %q", raw, err)
			}
		}
		q, perr := url.ParseQuery(raw)
		if q.Has(QueryParam) && !given {
			t.Fatalf("queryParam(%q) missed the parameter that ParseQuery reads as %q", raw, q[QueryParam])
		}
		if perr == nil && len(q[QueryParam]) <= 1 {
			if err != nil || value != q.Get(QueryParam) || given != q.Has(QueryParam) {
				t.Fatalf("queryParam(%q) = %q, %v, %v; ParseQuery reads %q", raw, value, given, err, q[QueryParam])
			}
		}
	})
}
