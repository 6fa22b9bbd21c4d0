package fault

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// maxFormBytes bounds a POST /faults body: a spec is at most 1 KiB.
const maxFormBytes = 8 << 10

// Handler serves /faults on the admin port:
//
//	POST   spec=S&listener=L[&count=N]  arm S for the next N (default 1)
//	                                     connections of listener L: 201 and
//	                                     the armed entry as JSON
//	GET                                  the armed specs, a JSON array of
//	                                     {"listener", "spec", "remaining"}
//	DELETE                               disarm all: {"disarmed": N}
//
// Parameters come as a query or a form body (urlencoded or multipart);
// a body of another type gets 415, unless the query holds them. A bad
// spec, listener or count, or one given twice, gets 400 with one line
// naming what is wrong;
// a body over 8 KiB gets 413; POST while faults are off gets 403.
//
// POST and DELETE from another site's page are refused with 403: a form
// on any web page can post to a plain HTTP port on the visitor's machine
// without asking it first, and would arm faults on a local server by
// simply being opened. Browsers say where a request comes from
// (Sec-Fetch-Site, Origin); curl and scripts send neither and are served.
func (in *Injector) Handler() http.Handler {
	csrf := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if err := csrf.Check(r); err != nil {
			http.Error(w, "fault: /faults takes "+r.Method+" from curl, scripts or a page of its own origin, not from another site's page ("+err.Error()+")", http.StatusForbidden)
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			writeJSON(w, http.StatusOK, in.Armed())
		case http.MethodDelete:
			writeJSON(w, http.StatusOK, map[string]int{"disarmed": in.Disarm()})
		case http.MethodPost:
			in.servePost(w, r)
		default:
			w.Header().Set("Allow", "GET, HEAD, POST, DELETE")
			http.Error(w, "fault: /faults answers GET, POST and DELETE", http.StatusMethodNotAllowed)
		}
	})
}

func (in *Injector) servePost(w http.ResponseWriter, r *http.Request) {
	if in.o.Disabled {
		// Refused whatever the request holds: nothing can be armed.
		http.Error(w, in.errOff().Error(), http.StatusForbidden)
		return
	}
	if r.ContentLength > maxFormBytes {
		// Said before a byte of it is read: a client that asked to be
		// told (Expect: 100-continue) is refused rather than invited
		// to send it all first.
		http.Error(w, "fault: a POST /faults body is at most "+strconv.Itoa(maxFormBytes)+" bytes", http.StatusRequestEntityTooLarge)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	// A form comes in either encoding: curl -d and HTML forms send
	// urlencoded, curl -F and forms with enctype multipart/form-data send
	// multipart. A body of any other type would be read as no parameters
	// at all, and refused for a missing listener; say what is wrong.
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	switch {
	case mt == "multipart/form-data":
		err = r.ParseMultipartForm(maxFormBytes)
		if r.MultipartForm != nil {
			defer r.MultipartForm.RemoveAll()
		}
	case mt == "" || mt == "application/x-www-form-urlencoded" || r.ContentLength == 0:
		err = r.ParseForm()
	case r.URL.Query().Has("spec") || r.URL.Query().Has("listener"):
		// The parameters came in the query, as the contract allows; a
		// body of another type is no form and is left unread (ParseForm
		// reads only form bodies).
		err = r.ParseForm()
	default:
		http.Error(w, "fault: a POST /faults body is a form (application/x-www-form-urlencoded or multipart/form-data), not "+
			strconv.Quote(mt)+"; or give spec, listener and count in the query", http.StatusUnsupportedMediaType)
		return
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		// The request is well formed but larger than this handler reads:
		// 413 (RFC 9110 section 15.5.14) tells a client to send less, not
		// to fix its syntax.
		http.Error(w, "fault: a POST /faults body is at most "+strconv.Itoa(maxFormBytes)+" bytes", http.StatusRequestEntityTooLarge)
		return
	case errors.Is(err, os.ErrDeadlineExceeded):
		// The client was slow, not wrong: 408 (RFC 9110 section
		// 15.5.9), which net/http's own timeouts do not send.
		w.Header().Set("Connection", "close")
		http.Error(w, "fault: the form body did not all arrive within the time the admin port gives a request; send it at once", http.StatusRequestTimeout)
		return
	case err != nil:
		http.Error(w, "fault: bad form: "+err.Error(), http.StatusBadRequest)
		return
	}
	// Form.Get keeps the first of several values, from the body before
	// the query: spec=rst&spec=fin would arm rst alone, and a listener in
	// the query would be overridden by one in the body, both without a
	// word. As /ws does with its fault parameter, refuse instead.
	for _, name := range []string{"spec", "listener", "count"} {
		if n := len(r.Form[name]); n > 1 {
			once := "give it once"
			if name == "spec" {
				once = "give one, its verbs separated by \",\""
			}
			http.Error(w, "fault: "+name+": given "+strconv.Itoa(n)+" times (query and form body together); "+once, http.StatusBadRequest)
			return
		}
	}
	count := 1
	if c := strings.TrimSpace(r.Form.Get("count")); c != "" {
		// Digits only, as every number of the grammar: no sign.
		n, err := parseDigits(c)
		if err != nil || n < 1 || n > MaxArmCount {
			http.Error(w, "fault: count "+strconv.Quote(c)+": want a number from 1 to "+strconv.Itoa(MaxArmCount), http.StatusBadRequest)
			return
		}
		count = int(n)
	}
	listener := r.Form.Get("listener")
	if listener == "" {
		http.Error(w, "fault: listener: missing; want tls, https (or wss) or http", http.StatusBadRequest)
		return
	}
	armed, err := in.Arm(listener, r.Form.Get("spec"), count)
	switch {
	case errors.Is(err, ErrOff):
		http.Error(w, err.Error(), http.StatusForbidden)
	case err != nil:
		http.Error(w, err.Error(), http.StatusBadRequest)
	default:
		writeJSON(w, http.StatusCreated, armed)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "fault: encode: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}
