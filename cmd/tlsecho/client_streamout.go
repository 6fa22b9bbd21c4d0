package main

import (
	"io"
	"strings"

	"github.com/tlsecho/tlsecho/internal/runecut"
)

// streamOut is where a session of standard input writes what comes back.
// To a pipe or a file the bytes go raw, like openssl s_client, so binary
// data piped through comes back exact. To a terminal they go escaped,
// as everything else the server writes: raw, a hostile server could
// retitle the terminal, clear it or forge lines with escape sequences.
func (c *client) streamOut() *streamWriter {
	return &streamWriter{w: c.stdout, escape: c.terminal}
}

// streamWriter writes what the server sends, escaped with safeText line
// by line when escape is set: the line ends stay line ends, and a
// character split between two reads is held until it is whole, so UTF-8
// text shows as text.
type streamWriter struct {
	w      io.Writer
	escape bool
	held   []byte // the start of a character the next write completes
}

func (s *streamWriter) Write(p []byte) (int, error) {
	if !s.escape {
		return s.w.Write(p)
	}
	b := append(s.held, p...)
	cut := runecut.Whole(b)
	s.held = append([]byte(nil), b[cut:]...)
	if err := s.put(b[:cut]); err != nil {
		return 0, err
	}
	return len(p), nil
}

// flush writes a character left incomplete at the end, as escapes.
func (s *streamWriter) flush() {
	if len(s.held) > 0 {
		s.put(s.held)
		s.held = nil
	}
}

func (s *streamWriter) put(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	var out strings.Builder
	for _, line := range strings.SplitAfter(string(b), "\n") {
		text, nl := strings.CutSuffix(line, "\n")
		out.WriteString(safeText(text))
		if nl {
			out.WriteByte('\n')
		}
	}
	_, err := io.WriteString(s.w, out.String())
	return err
}
