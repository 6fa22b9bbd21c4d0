package tlsinfo

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// gatedWriter holds each answer of /hellos at its first record, as a
// client that reads none of it holds its handler, and notes the bytes
// the record was written from.
type gatedWriter struct {
	http.ResponseWriter
	writes  int
	arrived chan<- *byte
	release <-chan struct{}
}

func (g *gatedWriter) Write(b []byte) (int, error) {
	g.writes++
	// The first write is the list's "[\n  ", the second the first record.
	if g.writes == 2 {
		g.arrived <- &b[0]
		<-g.release
	}
	return g.ResponseWriter.Write(b)
}

// TestRecentAnswersShareDescriptions: answers of /hellos in flight at
// once (clients that read none of them, or read slowly) share each
// record's description rather than each making its own. A description
// of a large hello is a few hundred KiB: 500 clients that never read
// made the server hold 1.2 GB of copies of one record, until their write
// deadline, and kept a core busy making them.
func TestRecentAnswersShareDescriptions(t *testing.T) {
	r := &Recent{}
	suites := make([]uint16, 20000)
	for i := range suites {
		suites[i] = uint16(0xe000 + i)
	}
	h := specExample()
	h.CipherSuites = suites
	r.Add(Record{Time: time.Now(), Listener: "tls", Peer: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, Hello: h,
		Err: errors.New("tls: no cipher suite supported by both client and server")})

	const clients = 8
	arrived := make(chan *byte, clients)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.ServeHTTP(&gatedWriter{ResponseWriter: w, arrived: arrived, release: release}, req)
	}))
	defer srv.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	for range clients {
		wg.Go(func() {
			resp, err := http.Get(srv.URL)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
	}
	seen := map[*byte]bool{}
	for range clients {
		seen[<-arrived] = true
	}
	close(release)
	if len(seen) != 1 {
		t.Errorf("%d answers in flight held %d descriptions of the one record, not one shared", clients, len(seen))
	}
}
