package fault

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// FuzzHandler sends /faults any method, content type, query and body: the
// answer is one of the statuses the handler documents, a refusal is one
// line, never a 5xx, and what a 201 reports armed is listed by GET and
// parses back.
func FuzzHandler(f *testing.F) {
	f.Add("POST", "", "spec=rst@1&listener=tls&count=2", []byte(nil))
	f.Add("POST", "application/x-www-form-urlencoded", "", []byte("spec=delay:10ms,+frag:1&listener=wss"))
	f.Add("POST", "application/x-www-form-urlencoded", "", []byte("spec=close%3A4001%3Abye%403&listener=https&count=10000"))
	f.Add("POST", "multipart/form-data; boundary=x", "", []byte("--x\r\nContent-Disposition: form-data; name=\"spec\"\r\n\r\nfin\r\n--x\r\nContent-Disposition: form-data; name=\"listener\"\r\n\r\ntls\r\n--x--\r\n"))
	f.Add("POST", "application/json", "", []byte(`{"spec":"rst","listener":"tls"}`))
	f.Add("POST", "application/json", "spec=fin&listener=tls", []byte(`{}`))
	f.Add("POST", "", "spec=hsdelay:1s&listener=tls;count=2", []byte(nil))
	f.Add("POST", "text/plain", "", []byte("spec=rst&listener=tls"))
	f.Add("POST", "", "spec=nopong&listener=tls&count=0", []byte(nil))
	f.Add("DELETE", "", "", []byte(nil))
	f.Add("GET", "", "", []byte(nil))
	f.Add("PUT", "", "spec=rst&listener=tls", []byte(nil))
	f.Fuzz(func(t *testing.T, method, contentType, query string, body []byte) {
		in := newInjector(t, Options{Listeners: []string{ListenerTLS, ListenerHTTPS, ListenerHTTP}})
		req, err := http.NewRequest(method, "http://admin/faults?"+query, bytes.NewReader(body))
		if err != nil {
			return // no request a client could send
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		rec := httptest.NewRecorder()
		in.Handler().ServeHTTP(rec, req)
		out := rec.Body.String()
		switch code := rec.Code; {
		case code == http.StatusCreated:
			var a Armed
			if err := json.Unmarshal([]byte(out), &a); err != nil {
				t.Fatalf("201 body %q: %v", out, err)
			}
			if !slices.Contains(in.Armed(), a) {
				t.Fatalf("201 reports %+v armed, GET lists %+v", a, in.Armed())
			}
			if s, err := Parse(a.Spec); err != nil || s == nil {
				t.Fatalf("armed spec %q does not parse back: %v", a.Spec, err)
			}
		case code == http.StatusOK, code == http.StatusMethodNotAllowed:
		case code == http.StatusBadRequest, code == http.StatusUnsupportedMediaType, code == http.StatusRequestEntityTooLarge:
			if strings.ContainsAny(strings.TrimSuffix(out, "\n"), "\r\n") {
				t.Fatalf("%d answer spans lines: %q", code, out)
			}
		default:
			t.Fatalf("%s ?%s (%s) %q: status %d %q", method, query, contentType, body, code, out)
		}
	})
}
