package tlsinfo

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"
)

// TestRecentAnswer: /hellos keeps the last 100 hellos (the README's
// figure), newest first, with times in UTC whatever the server's zone;
// the answer is never cached; ?listener=wss lists the https listener's.
func TestRecentAnswer(t *testing.T) {
	r := &Recent{}
	zone := time.FixedZone("UTC+2", 2*3600)
	start := time.Date(2026, 1, 2, 12, 0, 0, 0, zone)
	for i := range 101 {
		listener := "tls"
		if i%2 == 1 {
			listener = "https"
		}
		r.Add(Record{Time: start.Add(time.Duration(i) * time.Second), Listener: listener})
	}
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/hellos", nil))
	var all []struct {
		Time     string `json:"time"`
		Listener string `json:"listener"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &all); err != nil {
		t.Fatal(err)
	}
	if len(all) != 100 || all[0].Time != "2026-01-02T10:01:40Z" || all[99].Time != "2026-01-02T10:00:01Z" {
		t.Fatalf("%d records, first %+v, last %+v; want 100, from 10:01:40Z back to 10:00:01Z", len(all), all[0], all[len(all)-1])
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	w = httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/hellos?listener=wss", nil))
	var https []struct {
		Listener string `json:"listener"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &https); err != nil {
		t.Fatal(err)
	}
	if len(https) != 50 || https[0].Listener != "https" || https[49].Listener != "https" {
		t.Errorf("?listener=wss: %d records, want the https listener's 50", len(https))
	}
}
