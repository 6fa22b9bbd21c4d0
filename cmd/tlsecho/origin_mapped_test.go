package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestAllowedOriginIPv4Mapped: browsers write an IPv4-mapped IPv6 address
// in an origin as hexadecimal pieces (the URL standard's IPv6 serializer
// has no dotted form), so a page at https://[::ffff:127.0.0.1]:7443/ sends
// Origin https://[::ffff:7f00:1]:7443. That entry is accepted and lets the
// page's upgrade through; the dotted spelling is refused with the form to
// write, not the IPv4 origin the page does not have.
func TestAllowedOriginIPv4Mapped(t *testing.T) {
	t.Parallel()
	const sent = "https://[::ffff:7f00:1]:7443"
	for _, tt := range []struct {
		name, entry string
		wantErr     string // empty: accepted
	}{
		{"as browsers send it", sent, ""},
		{"dotted", "https://[::ffff:127.0.0.1]:7443", `write that`},
		{"dotted, upper case", "https://[::FFFF:127.0.0.1]:7443", `write that`},
		{"leading zeros", "https://[0:0:0:0:0:ffff:7f00:0001]:7443", `write that`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig([]string{"TLSECHO_ALLOWED_ORIGINS=" + tt.entry})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("%s refused: %v", tt.entry, err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("%s accepted; browsers never send it", tt.entry)
			case tt.wantErr != "" && !strings.Contains(err.Error(), `"`+sent+`"`):
				t.Errorf("error %q does not name the origin browsers send, %q", err, sent)
			}
		})
	}

	ta := startApp(t, map[string]string{"ALLOWED_ORIGINS": sent})
	d := websocket.Dialer{TLSClientConfig: ta.clientTLS(), HandshakeTimeout: 5 * time.Second}
	c, resp, err := d.Dial("wss://"+ta.HTTPSAddr+"/ws", http.Header{"Origin": {sent}})
	if err != nil {
		code := 0
		if resp != nil {
			code = resp.StatusCode
		}
		t.Fatalf("upgrade with listed Origin %s: %v (HTTP %d)", sent, err, code)
	}
	c.Close()
}
