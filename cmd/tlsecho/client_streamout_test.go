package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
)

// TestClientStdinEscapesOnTerminal: in a session of standard input, the
// echo reaches a terminal escaped, as everything else the server writes
// does, so that it can neither retitle nor clear it; to a pipe or a file
// it goes raw, so binary data piped through comes back exact. Only an
// echo that matches what was sent is printed (TestClientStdinEchoDiffers),
// so here the control characters are in the input. The client's terminal
// field is what term.Is(stdout) decides.
func TestClientStdinEscapesOnTerminal(t *testing.T) {
	t.Parallel()
	const hostile = "\x1b]0;PWNED\a\x1b[2J\n"
	addr := serveTLS(t, hostileCert(t), nil, func(c net.Conn) {
		all, err := io.ReadAll(c) // up to close_notify
		if err != nil {
			return
		}
		c.Write(all)
	})
	tests := []struct {
		name     string
		terminal bool
		want     string
	}{
		{name: "terminal", terminal: true, want: `\x1b]0;PWNED\a\x1b[2J` + "\n"},
		{name: "pipe", terminal: false, want: hostile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := parseClientArgs([]string{"-insecure", "-timeout", "5s", "tls://" + addr})
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			c := &client{o: o, stdout: &out, stderr: io.Discard, terminal: tt.terminal}
			if err := c.run(context.Background(), strings.NewReader(hostile)); err != nil {
				t.Fatalf("session failed: %v", err)
			}
			if !strings.HasSuffix(out.String(), "\n"+tt.want) {
				t.Errorf("stdout ends %q, want %q", out.String()[max(0, out.Len()-60):], tt.want)
			}
			if i := rawControl(out.String()); tt.terminal && i >= 0 {
				t.Errorf("stdout has a raw control character at %d: %q", i, out.String()[max(0, i-20):min(out.Len(), i+20)])
			}
		})
	}
}

// streamWriterTests: on a terminal, line ends stay, controls are escaped,
// and a character split between two reads shows whole.
var streamWriterTests = []struct {
	name   string
	writes []string
	want   string
}{
	{name: "lines", writes: []string{"a\tb\n", "c\r\n"}, want: "a\\tb\nc\\r\n"},
	{name: "split character", writes: []string{"caf\xc3", "\xa9\n"}, want: "café\n"},
	{name: "bad byte", writes: []string{"x\xffy\n"}, want: "x\\xffy\n"},
	{name: "cut at the end", writes: []string{"z\xe2\x82"}, want: "z\\xe2\\x82"},
}

func TestStreamWriter(t *testing.T) {
	for _, tt := range streamWriterTests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			w := &streamWriter{w: &out, escape: true}
			for _, s := range tt.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", s, n, err)
				}
			}
			w.flush()
			if out.String() != tt.want {
				t.Errorf("got %q, want %q", out.String(), tt.want)
			}
		})
	}
}
