package fault

import (
	"net/http"
	"strconv"
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
	q := r.URL.Query()
	if !q.Has(QueryParam) {
		return armed, nil
	}
	if in.o.Disabled {
		return nil, ErrOff
	}
	text := q.Get(QueryParam)
	if text == "" {
		return armed, nil
	}
	return in.ParseURL(text)
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
