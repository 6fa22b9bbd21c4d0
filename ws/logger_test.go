package ws

import (
	"context"
	"io"
	"log/slog"
	"testing"
)

// TestLoggerMadeOnce: a Server without a Logger discards through one
// logger made for it, not a new one for each refusal and connection; a
// Logger given is the one used.
func TestLoggerMadeOnce(t *testing.T) {
	t.Parallel()
	s := &Server{}
	first := s.logger()
	if first == nil || first.Enabled(context.Background(), slog.LevelError) {
		t.Fatalf("logger() of a Server without a Logger = %v, want one that discards", first)
	}
	if again := s.logger(); again != first {
		t.Fatalf("logger() made a new logger on its second call (%p, then %p)", first, again)
	}
	given := slog.New(slog.NewTextHandler(io.Discard, nil))
	if got := (&Server{Logger: given}).logger(); got != given {
		t.Fatalf("logger() = %p, want the Logger given, %p", got, given)
	}
}
