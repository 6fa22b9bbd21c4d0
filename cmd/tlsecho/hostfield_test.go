package main

import (
	"bufio"
	"io"
	"net/http"
	"testing"
	"time"
)

// hostFieldTests are Host header fields, each with the answer every HTTP
// listener gives a GET /healthz that carries it: 400 for a value that is
// no host[:port] at all (RFC 9112 section 3.2), which net/http lets
// through as long as its bytes are ones a host may hold.
var hostFieldTests = []struct {
	host   string
	status int
}{
	{"localhost", http.StatusOK},
	{"localhost:8443", http.StatusOK},
	{"localhost:", http.StatusOK},
	{"127.0.0.1:8443", http.StatusOK},
	{"[::1]", http.StatusOK},
	{"[::1]:8443", http.StatusOK},
	{"under_score.example", http.StatusOK},
	{"xn--bcher-kva.example:443", http.StatusOK},
	{"[::1", http.StatusBadRequest},
	{"::1", http.StatusBadRequest},
	{"[::1]8443", http.StatusBadRequest},
	{"[::1]:84a3", http.StatusBadRequest},
	{"[not-an-address]", http.StatusBadRequest},
	{"a]b", http.StatusBadRequest},
	{"a[b", http.StatusBadRequest},
	{"localhost:8443:1", http.StatusBadRequest},
	{"localhost:port", http.StatusBadRequest},
}

// TestHostFieldChecked sends each of hostFieldTests to every HTTP
// listener, by raw bytes: net/http's client checks a Host before sending.
func TestHostFieldChecked(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0"})
	ports := httpListeners(ta)
	for _, port := range ports {
		t.Run(port.name, func(t *testing.T) {
			t.Parallel()
			for _, tt := range hostFieldTests {
				c, err := port.dial()
				if err != nil {
					t.Fatal(err)
				}
				c.SetDeadline(time.Now().Add(ioWait))
				io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: "+tt.host+"\r\nConnection: close\r\n\r\n")
				resp, err := http.ReadResponse(bufio.NewReader(c), nil)
				if err != nil {
					c.Close()
					t.Fatalf("Host %q: %v", tt.host, err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				c.Close()
				if resp.StatusCode != tt.status {
					t.Errorf("Host %q: %s %q; want %d", tt.host, resp.Status, body, tt.status)
				}
			}
		})
	}
}
