package ws

import (
	"net/http"
	"strings"
	"testing"
)

// allowedOriginsTests are AllowedOrigins entries, each with the error
// CheckAllowedOrigins gives it ("" for none).
var allowedOriginsTests = []struct {
	name, entry, err string
}{
	{"any", "*", ""},
	{"name and port", "https://app.example:8443", ""},
	{"name", "http://a.example", ""},
	{"IPv4", "https://127.0.0.1:7443", ""},
	{"IPv6", "https://[::1]:7443", ""},
	{"IPv4-mapped, as browsers write it", "https://[::ffff:7f00:1]:7443", ""},
	{"punycode", "https://xn--bcher-kva.example", ""},
	{"other scheme", "chrome-extension://abcdefghijklmnop", ""},
	{"no scheme", "a.example:8443", `"a.example:8443" is not an origin like https://app.example:8443`},
	{"path", "https://a.example/app", `"https://a.example/app" is not an origin like https://app.example:8443`},
	{"query", "https://a.example?x", `"https://a.example?x" is not an origin like https://app.example:8443`},
	{"user", "https://u@a.example", `"https://u@a.example" is not an origin like https://app.example:8443`},
	{"opaque", "null", `"null" is not an origin like https://app.example:8443`},
	{"unicode name", "https://bücher.example", `"https://bücher.example" is not an origin like https://app.example:8443 (host names in ASCII, ports from 1 to 65535)`},
	{"port 0", "https://a.example:0", `"https://a.example:0" is not an origin like https://app.example:8443 (host names in ASCII, ports from 1 to 65535)`},
	{"IPv4 in another form", "http://127.1", `"http://127.1" is not an origin like https://app.example:8443 (host names in ASCII, ports from 1 to 65535)`},
	{"trailing slash", "https://a.example/", `"https://a.example/": an origin has no trailing slash; browsers send "https://a.example"`},
	{"upper case", "HTTPS://A.example", `"HTTPS://A.example": browsers send this origin as "https://a.example", and entries are compared exactly; write that`},
	{"default port", "https://a.example:443", `"https://a.example:443": browsers send this origin as "https://a.example", and entries are compared exactly; write that`},
	{"leading zero port", "https://a.example:08443", `"https://a.example:08443": browsers send this origin as "https://a.example:8443", and entries are compared exactly; write that`},
	{"long IPv6", "http://[0:0::1]", `"http://[0:0::1]": browsers send this origin as "http://[::1]", and entries are compared exactly; write that`},
	{"IPv4-mapped, dotted", "https://[::ffff:127.0.0.1]:7443", `"https://[::ffff:127.0.0.1]:7443": browsers send this origin as "https://[::ffff:7f00:1]:7443", and entries are compared exactly; write that`},
}

// TestCheckAllowedOrigins: an entry written as browsers send the Origin
// header is taken, and each other spelling is refused in words that name
// the entry and, where there is one, the spelling to write.
func TestCheckAllowedOrigins(t *testing.T) {
	t.Parallel()
	for _, tt := range allowedOriginsTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckAllowedOrigins([]string{tt.entry})
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("CheckAllowedOrigins(%q) = %v, want nil", tt.entry, err)
			case tt.err != "" && (err == nil || err.Error() != tt.err):
				t.Fatalf("CheckAllowedOrigins(%q) = %v, want %q", tt.entry, err, tt.err)
			}
		})
	}
}

// TestCheckAllowedOriginsList: a list is refused for its first bad entry,
// named alone; an empty list is the same-host rule, and fine.
func TestCheckAllowedOriginsList(t *testing.T) {
	t.Parallel()
	if err := CheckAllowedOrigins(nil); err != nil {
		t.Fatalf("CheckAllowedOrigins(nil) = %v", err)
	}
	err := CheckAllowedOrigins([]string{"https://a.example", "https://b.example/app", "c.example"})
	if err == nil || !strings.HasPrefix(err.Error(), `"https://b.example/app"`) || strings.Contains(err.Error(), "c.example") {
		t.Fatalf("CheckAllowedOrigins of a list = %v, want the error of its first bad entry alone", err)
	}
}

// TestAllowedOriginsTaken: a Server listing an entry CheckAllowedOrigins
// takes lets a page of that origin upgrade, from another host: what the
// check promises is what the server does.
func TestAllowedOriginsTaken(t *testing.T) {
	t.Parallel()
	for _, tt := range allowedOriginsTests {
		if tt.err != "" || tt.entry == "*" {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, &Server{AllowedOrigins: []string{tt.entry}})
			c, resp, err := ts.dialer().Dial(ts.url, http.Header{"Origin": {tt.entry}, "Host": {"elsewhere.example"}})
			if err != nil {
				status := 0
				if resp != nil {
					status = resp.StatusCode
				}
				t.Fatalf("dial with listed Origin %q: %v (HTTP %d)", tt.entry, err, status)
			}
			c.Close()
		})
	}
}
