package main

import (
	"io"

	"github.com/tlsecho/tlsecho/internal/jsontext"
)

// jsonEscaper writes JSON log records with the characters that do not
// print escaped (jsontext.Escape): slog's JSONHandler writes them raw,
// where its TextHandler quotes them, and many values in the log come
// from the client. slog handlers write each record with one Write, so a
// record is never split between calls.
type jsonEscaper struct{ w io.Writer }

func (e jsonEscaper) Write(p []byte) (int, error) {
	if _, err := e.w.Write(jsontext.Escape(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}
