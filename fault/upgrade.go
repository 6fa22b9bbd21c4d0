package fault

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// QueryParam is the /ws query parameter that carries a spec.
const QueryParam = "fault"

// RequestSpec returns the spec of a /ws request: its fault query
// parameter when given (URL specs come first), else armed, the spec the
// connection got at accept. A bad URL spec is an error for a 400 answer
// before the upgrade, and so is the parameter while faults are off, even
// empty: the request asked for faults where none can be had.
func (in *Injector) RequestSpec(r *http.Request, armed *Spec) (*Spec, error) {
	if in == nil {
		return nil, nil
	}
	text, given, err := queryParam(r.URL.RawQuery)
	if !given {
		return armed, nil
	}
	if in.o.Disabled {
		return nil, in.errOff()
	}
	if err != nil {
		return nil, err
	}
	if text == "" {
		return armed, nil
	}
	return in.ParseURL(text)
}

// queryParam finds the fault parameter in a raw query. url.ParseQuery
// drops a pair it cannot read (a ";" separator, a bad %-escape) without a
// word, and Get keeps the first of several values: a client that wrote
// fault=delay:1s;rst or fault=close:4001:100% would be echoed without
// faults, and its test would pass for the wrong reason. Here given is true
// whenever the query names the parameter, and each of those mistakes is
// an error that says how to write it.
func queryParam(raw string) (value string, given bool, err error) {
	n := 0
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if strings.Contains(pair, ";") {
			// Go takes no ";" as a separator (golang.org/issue/25192);
			// one next to a fault parameter most likely was meant as one.
			for piece := range strings.SplitSeq(pair, ";") {
				if k, _, _ := strings.Cut(piece, "="); queryKey(k) == QueryParam {
					return "", true, errorf("spec", "%q in the query has a \";\", which is no separator: separate verbs with \",\" (and write a \";\" of a close reason as %%3B)", pair)
				}
			}
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if queryKey(k) != QueryParam {
			continue
		}
		given = true
		if n++; n > 1 {
			return "", true, errorf("spec", "the %s parameter is given more than once; give one, its verbs separated by \",\"", QueryParam)
		}
		if value, err = url.QueryUnescape(v); err != nil {
			return "", true, errorf("spec", "%q in the query is not URL-encoded: a %% not followed by two hex digits; write a %% as %%25", pair)
		}
	}
	return value, given, nil
}

// queryKey is a query key unescaped, or "" when it does not unescape.
func queryKey(k string) string {
	key, err := url.QueryUnescape(k)
	if err != nil {
		return ""
	}
	return key
}

// RefuseUpgrade answers a /ws request whose spec has status:CODE with
// that HTTP status instead of the upgrade, and tells whether it did.
func (in *Injector) RefuseUpgrade(w http.ResponseWriter, spec *Spec, ci ConnInfo) bool {
	v, ok := spec.Get(Status)
	if !ok {
		return false
	}
	in.applied(ci, spec, v)
	w.Header().Set("Connection", "close")
	http.Error(w, "fault: upgrade refused with "+strconv.Itoa(v.Code)+" as the fault spec asked ("+v.String()+")", v.Code)
	return true
}
