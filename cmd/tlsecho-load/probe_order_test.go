package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

// TestSampleReadsProcBeforeScrape: with -pid and -metrics, the RSS is read
// from /proc before the scrape, which makes the server build its answer:
// the memory that takes for a moment is not the load's. The "server" here
// is this process, whose /metrics handler takes 64 MiB and holds it until
// the sample has been read.
func TestSampleReadsProcBeforeScrape(t *testing.T) {
	const grow = 64 << 20
	held := make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, grow)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1 // resident, not merely reserved
		}
		held <- b
		w.Write([]byte("go_goroutines 7\n"))
	}))
	defer srv.Close()
	_, before, _, err := readProc(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	s := newProbe(os.Getpid(), srv.URL+"/metrics", false).sample()
	if !s.ok || s.goroutines != 7 {
		t.Fatalf("sample %+v, want ok with 7 goroutines from the scrape", s)
	}
	if s.rss > before+grow/2 {
		t.Errorf("RSS %d MiB with the scrape's %d MiB in it, from %d MiB before: /proc was read after the scrape",
			s.rss>>20, grow>>20, before>>20)
	}
	<-held // held until the sample has been read
}
