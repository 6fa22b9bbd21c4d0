package tlsinfo

import (
	"encoding/json"
	"sync"
	"weak"

	"github.com/tlsecho/tlsecho/internal/jsontext"
)

// shown is one record of Recent with its description for /hellos: made
// when an answer first asks for it, and shared by every answer that
// writes it meanwhile. An answer is written as fast as its client reads,
// and one that reads nothing holds its record's description until the
// write deadline; a description of a large hello is a few hundred KiB,
// so each answer making its own let a few hundred clients that never
// read make the server hold gigabytes, and keep a core busy making them.
// Shared, the descriptions held at once are at most one per record. The
// description is held weakly: once no answer is writing it, it goes, and
// Recent keeps only parsed hellos, as it did.
type shown struct {
	rec Record

	mu   sync.Mutex
	desc weak.Pointer[description]
}

// description is a record described as one element of /hellos' indented
// array.
type description struct{ b []byte }

// indented is the record's description, made now unless an answer still
// holds the one made before. The caller keeps the result alive
// (runtime.KeepAlive) for as long as it uses its bytes.
func (s *shown) indented() *description {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.desc.Value(); d != nil {
		return d
	}
	// A record always encodes: it holds strings and numbers only.
	b, _ := json.MarshalIndent(s.rec, "  ", "  ")
	// What the client sent (an SNI, ALPN names) may hold characters
	// that reorder or hide text in a browser's view.
	d := &description{b: jsontext.Escape(b)}
	s.desc = weak.Make(d)
	return d
}
