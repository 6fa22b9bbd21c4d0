package fault

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func newInjector(t testing.TB, o Options) *Injector {
	t.Helper()
	in, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return in
}

func do(t *testing.T, method, u string, form url.Values) (int, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHandlerArmListDisarm(t *testing.T) {
	in := newInjector(t, Options{Listeners: []string{"tls", "https", "http"}})
	srv := httptest.NewServer(in.Handler())
	defer srv.Close()

	// As a query...
	code, body := do(t, "POST", srv.URL+"?spec=rst@1&listener=tls&count=2", nil)
	if code != http.StatusCreated || !strings.Contains(body, `"remaining":2`) {
		t.Fatalf("POST query = %d %s", code, body)
	}
	// ... and as a form body; wss is https.
	code, body = do(t, "POST", srv.URL, url.Values{"spec": {"delay:10ms, frag:1"}, "listener": {"wss"}})
	if code != http.StatusCreated || !strings.Contains(body, `"listener":"https"`) {
		t.Fatalf("POST form = %d %s", code, body)
	}

	code, body = do(t, "GET", srv.URL, nil)
	var armed []Armed
	if err := json.Unmarshal([]byte(body), &armed); code != 200 || err != nil {
		t.Fatalf("GET = %d %s (%v)", code, body, err)
	}
	want := []Armed{{"tls", "rst@1", 2}, {"https", "delay:10ms,frag:1", 1}}
	if len(armed) != 2 || armed[0] != want[0] || armed[1] != want[1] {
		t.Fatalf("GET = %+v, want %+v", armed, want)
	}

	// Exactly the next two tls connections, none on https beyond its one.
	for i, l := range []string{"tls", "https", "tls", "tls", "https"} {
		got := in.Take(l)
		wantArmed := i < 3
		if (got != nil) != wantArmed {
			t.Fatalf("take %d on %s = %v, want armed %v", i, l, got, wantArmed)
		}
	}
	if code, body = do(t, "GET", srv.URL, nil); strings.TrimSpace(body) != "[]" {
		t.Fatalf("GET after use = %d %s, want []", code, body)
	}

	do(t, "POST", srv.URL+"?spec=fin&listener=http&count=5", nil)
	code, body = do(t, "DELETE", srv.URL, nil)
	if code != 200 || !strings.Contains(body, `"disarmed":1`) {
		t.Fatalf("DELETE = %d %s", code, body)
	}
	if in.Take("http") != nil {
		t.Fatal("a disarmed spec was still taken")
	}
	if code, _ := do(t, "PUT", srv.URL, nil); code != http.StatusMethodNotAllowed {
		t.Fatalf("PUT = %d, want 405", code)
	}
}

func TestHandlerRefusals(t *testing.T) {
	in := newInjector(t, Options{HandshakeTimeout: time.Second})
	srv := httptest.NewServer(in.Handler())
	defer srv.Close()
	tests := []struct {
		name, query, want string
	}{
		{"no spec", "listener=tls", "fault: spec: empty"},
		{"bad spec", "listener=tls&spec=delay:x", "fault: delay: "},
		{"unknown verb", "listener=tls&spec=explode", "fault: explode: unknown verb"},
		{"too many", "listener=tls&spec=delay:1ms,frag:1,bw:1KiB,close@9,fin@10,rst@11,blackhole@12,hsdelay:1ms,alert:internal_error", "at most 8"},
		{"no listener", "spec=rst", "fault: listener: missing"},
		{"bad listener", "spec=rst&listener=ftp", `listener "ftp": want one of tls, https, wss`},
		{"http off", "spec=rst&listener=http", `listener "http"`},
		{"bad count", "spec=rst&listener=tls&count=0", `count "0"`},
		{"huge count", "spec=rst&listener=tls&count=10001", "from 1 to 10000"},
		{"signed count", "spec=rst&listener=tls&count=%2B3", `count "+3"`},
		{"negative zero count", "spec=rst&listener=tls&count=-0", `count "-0"`},
		{"nopong on tls", "spec=nopong&listener=tls", "fault: nopong: acts on /ws only"},
		{"status on tls", "spec=status:500&listener=tls", "fault: status: acts on /ws only"},
		{"close code on tls", "spec=close:4001&listener=tls", "fault: close: the raw TLS echo"},
		{"hsdelay too long", "spec=hsdelay:1s&listener=https", "fault: hsdelay: 1s must be below the handshake timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := do(t, "POST", srv.URL+"?"+tt.query, nil)
			if code != http.StatusBadRequest || !strings.Contains(body, tt.want) {
				t.Fatalf("POST ?%s = %d %q, want 400 with %q", tt.query, code, body, tt.want)
			}
			if strings.Count(strings.TrimSpace(body), "\n") > 0 {
				t.Errorf("answer %q is more than one line", body)
			}
		})
	}
	if got := in.Armed(); len(got) != 0 {
		t.Fatalf("refused POSTs armed %v", got)
	}
}

func TestHandlerOff(t *testing.T) {
	in := newInjector(t, Options{Disabled: true, OffSetting: "TLSECHO_FAULTS=false"})
	srv := httptest.NewServer(in.Handler())
	defer srv.Close()
	// Refused for being off, before anything else about the request.
	for _, query := range []string{"spec=rst&listener=tls", "spec=rst", "spec=rst&listener=tls&count=0", "spec=explode&listener=nowhere"} {
		code, body := do(t, "POST", srv.URL+"?"+query, nil)
		if code != http.StatusForbidden || !strings.Contains(body, "TLSECHO_FAULTS=false") {
			t.Fatalf("POST ?%s with faults off = %d %q, want 403", query, code, body)
		}
	}
	if code, body := do(t, "GET", srv.URL, nil); code != 200 || strings.TrimSpace(body) != "[]" {
		t.Fatalf("GET with faults off = %d %q", code, body)
	}
	if _, err := in.ParseURL("delay:1ms"); err == nil || !strings.Contains(err.Error(), "turned off") {
		t.Fatalf("ParseURL with faults off: %v", err)
	}
	if in.Take("tls") != nil {
		t.Fatal("Take with faults off returned a spec")
	}
}

func TestTakeDefaultAndOrder(t *testing.T) {
	def, _ := Parse("delay:5ms")
	in := newInjector(t, Options{Default: def})
	a, _ := in.Arm("tls", "rst", 1)
	b, _ := in.Arm("tls", "fin", 2)
	if a.Spec != "rst" || b.Spec != "fin" {
		t.Fatalf("armed %v %v", a, b)
	}
	var got []string
	for range 5 {
		got = append(got, in.Take("tls").String())
	}
	if want := "rst fin fin delay:5ms delay:5ms"; strings.Join(got, " ") != want {
		t.Fatalf("takes = %v, want %s: first armed, first served, then the default", got, want)
	}
	if in.Take("https").String() != "delay:5ms" {
		t.Fatal("https did not get the default")
	}
}

func TestArmBounded(t *testing.T) {
	in := newInjector(t, Options{})
	for i := range MaxArmed {
		if _, err := in.Arm("tls", "rst", 1); err != nil {
			t.Fatalf("arm %d: %v", i, err)
		}
	}
	if _, err := in.Arm("tls", "rst", 1); err == nil || !strings.Contains(err.Error(), "DELETE /faults") {
		t.Fatalf("arm past the limit: %v", err)
	}
}

// TestTakeConcurrent arms a count and takes from many goroutines at once:
// exactly count connections get the spec (run with -race).
func TestTakeConcurrent(t *testing.T) {
	in := newInjector(t, Options{})
	if _, err := in.Arm("tls", "rst", 100); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	got := 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if in.Take("tls") != nil {
					mu.Lock()
					got++
					mu.Unlock()
				}
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			in.Armed()
		}
	})
	wg.Wait()
	if got != 100 {
		t.Fatalf("%d connections got the spec, want exactly 100", got)
	}
}

func TestParseURLAndDefault(t *testing.T) {
	in := newInjector(t, Options{HandshakeTimeout: 5 * time.Second})
	for _, q := range []string{"hsdelay:1s", "delay:1ms,alert:internal_error"} {
		_, err := in.ParseURL(q)
		if err == nil || !strings.Contains(err.Error(), "a URL is read after it") {
			t.Errorf("ParseURL(%q) = %v, want the handshake refusal", q, err)
		}
	}
	if s, err := in.ParseURL("close:4001@3"); err != nil || s.String() != "close:4001@3" {
		t.Errorf("ParseURL(close:4001@3) = %v, %v", s, err)
	}
	hs, _ := Parse("hsdelay:5s")
	if _, err := New(Options{HandshakeTimeout: 5 * time.Second, Default: hs}); err == nil || !strings.Contains(err.Error(), "hsdelay") {
		t.Errorf("New with hsdelay = handshake timeout: %v", err)
	}
	if _, err := New(Options{Disabled: true, Default: hs}); err == nil {
		t.Error("New with a default and faults off did not fail")
	}
}

func TestDescribe(t *testing.T) {
	def, _ := Parse("nopong")
	c := newInjector(t, Options{Default: def}).Describe()
	if !c.Enabled || c.MaxVerbs != 8 || c.Default != "nopong" || len(c.Verbs) != int(numKinds)-1 {
		t.Fatalf("catalog = %+v", c)
	}
	for _, v := range c.Verbs {
		if v.Name == "" || v.Syntax == "" || v.Effect == "" || len(v.On) == 0 {
			t.Errorf("verb %+v is not fully described", v)
		}
	}
	for _, p := range c.Presets {
		if _, err := Parse(p.Spec); err != nil {
			t.Errorf("preset %q does not parse: %v", p.Name, err)
		}
	}
}

// TestHandlerFormEncodings: a form body is read in either encoding a form
// is sent in (curl -d, curl -F, an HTML form with either enctype), and a
// body in another type is refused by name instead of read as no
// parameters at all.
func TestHandlerFormEncodings(t *testing.T) {
	in := newInjector(t, Options{Listeners: []string{"tls", "https"}})
	srv := httptest.NewServer(in.Handler())
	defer srv.Close()
	post := func(contentType string, body io.Reader) (int, string) {
		t.Helper()
		resp, err := http.Post(srv.URL, contentType, body)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField("spec", "frag:2@3")
	mw.WriteField("listener", "tls")
	mw.WriteField("count", "2")
	mw.Close()
	code, body := post(mw.FormDataContentType(), &mp)
	if code != http.StatusCreated || !strings.Contains(body, `"spec":"frag:2@3"`) || !strings.Contains(body, `"remaining":2`) {
		t.Errorf("POST multipart/form-data = %d %s, want 201 with the spec armed twice", code, body)
	}

	code, body = post("application/json", strings.NewReader(`{"spec":"rst","listener":"tls"}`))
	if code != http.StatusUnsupportedMediaType || !strings.Contains(body, "application/json") || strings.Count(body, "\n") != 1 {
		t.Errorf("POST application/json = %d %q, want 415 in one line naming the type", code, body)
	}
	// Parameters in the query are parameters, whatever the body is.
	resp, err := http.Post(srv.URL+"?spec=fin&listener=tls", "application/json", strings.NewReader(`{"note":"ignored"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || !strings.Contains(string(b), `"spec":"fin"`) {
		t.Errorf("POST ?spec=fin&listener=tls with a JSON body = %d %q, want 201: the query holds the parameters", resp.StatusCode, b)
	}
	if got := in.Armed(); len(got) != 2 {
		t.Errorf("armed %+v, want the multipart entry and the query's", got)
	}
}
