package main

import (
	"net"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// wantConfigError checks the contract's rule for a bad value: one line
// that names the variable.
func wantConfigError(t *testing.T, err error, variable string) {
	t.Helper()
	msg := err.Error()
	if strings.ContainsAny(msg, "\r\n") {
		t.Fatalf("error for %s spans lines: %q", variable, msg)
	}
	if !strings.Contains(msg, variable) {
		t.Fatalf("error %q does not name %s", msg, variable)
	}
}

// suggestion finds a value a refusal offers instead, quoted as %q quotes
// it: "write "x"", "did you mean "x"", "use "x"", and the origin
// checks' "browsers send "x"" and "browsers send this origin as "x"".
var suggestion = regexp.MustCompile(`(?:write|did you mean|use|browsers send(?: this origin as)?) ("(?:[^"\\]|\\.)*")`)

// suggested returns the values msg offers instead of what it refused.
func suggested(t *testing.T, msg string) []string {
	t.Helper()
	var vals []string
	for _, m := range suggestion.FindAllStringSubmatch(msg, -1) {
		v, err := strconv.Unquote(m[1])
		if err != nil {
			t.Fatalf("refusal %q: suggestion %s is not a quoted value", msg, m[1])
		}
		vals = append(vals, v)
	}
	return vals
}

// loadOne loads a configuration with variable set to value and checks a
// refusal: one line naming the variable, and any value it offers instead
// taken when variable is set to it (one entry of a list, on its own);
// ok is false when there is nothing more to check.
func loadOne(t *testing.T, variable, value string) (cfg Config, ok bool) {
	t.Helper()
	if strings.Contains(value, "\x00") {
		return cfg, false // not a value the environment can hold
	}
	cfg, err := loadConfig([]string{variable + "=" + value})
	if err != nil {
		wantConfigError(t, err, variable)
		for _, v := range suggested(t, err.Error()) {
			if _, err2 := loadConfig([]string{variable + "=" + v}); err2 != nil {
				t.Fatalf("%s=%q is refused (%v), and the value it offers is refused in turn: %v", variable, value, err, err2)
			}
		}
		return cfg, false
	}
	return cfg, true
}

// configVars are the variables Config reads, in a fixed order.
func configVars() []string {
	var vars []string
	for f := range reflect.TypeFor[Config]().Fields() {
		vars = append(vars, envPrefix+f.Tag.Get("env"))
	}
	slices.Sort(vars)
	return vars
}

// FuzzConfigValue sets one variable to anything: loadConfig must accept
// it or refuse it with one line naming that variable. A name that Config
// does not read picks one of those it does, so every variable, also one
// added later, gets fuzzed.
func FuzzConfigValue(f *testing.F) {
	vars := configVars()
	seeds := map[string][]string{
		"TLSECHO_TLS_ADDR":          {":8433", "127.0.0.1:0", "[::1]:8433", "8433", ":http-ish", ":70000", "a b:1", ""},
		"TLSECHO_HANDSHAKE_TIMEOUT": {"10s", "0s", "-1s", "ten", "1e9h", "9223372036854775807ns", "1h2m3.5s"},
		"TLSECHO_MAX_CONNS":         {"10000", "0", "-1", "99999999999999999999", "1_000", "0x10"},
		"TLSECHO_WS_COMPRESSION":    {"true", "false", "yes please", "T", "0"},
		"TLSECHO_TLS_MIN_VERSION":   {"1.2", "1.3", "1.1", "TLS1.3"},
		"TLSECHO_LOG_LEVEL":         {"debug", "warn", "verbose", "info+2", "INFO"},
		"TLSECHO_ALLOWED_ORIGINS":   {"*", "https://a.example:8443", "a.example"},
		"TLSECHO_DRAIN_DELAY":       {"1s", "15s", "-1s"},
		"TLSECHO_HOSTS":             {"localhost,127.0.0.1,::1", "localhost:8443", "[::1", "é.example", " , ", "-a.example.", "a..example.", "é.", "a.example.,b.example"},
	}
	for name, values := range seeds {
		for _, v := range values {
			f.Add(name, v)
		}
	}
	f.Fuzz(func(t *testing.T, variable, value string) {
		if !slices.Contains(vars, variable) {
			variable = vars[len(variable)%len(vars)]
		}
		loadOne(t, variable, value)
	})
}

// browserOrigin is how a browser writes the origin of a page at raw
// (RFC 6454 section 6.2 and the URL standard): lower-case scheme and host,
// an IPv6 address in its short form, the port in decimal unless it is
// the scheme's default. ok is false when raw names no such origin.
func browserOrigin(raw string) (origin string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil || u.Host == "" {
		return "", false
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil && strings.Contains(host, ":") {
		// The URL standard writes IPv6 in hexadecimal pieces only,
		// an IPv4-mapped address too (::ffff:7f00:1).
		host = "[" + ip.String() + "]"
		if v4 := ip.To4(); v4 != nil {
			hi, lo := uint64(v4[0])<<8|uint64(v4[1]), uint64(v4[2])<<8|uint64(v4[3])
			host = "[::ffff:" + strconv.FormatUint(hi, 16) + ":" + strconv.FormatUint(lo, 16) + "]"
		}
	} else if ip == nil && strings.ContainsFunc(host, func(r rune) bool {
		return !(r == '-' || r == '.' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) {
		// Browsers send names in ASCII (punycode); anything else here
		// never comes in an Origin header.
		return "", false
	}
	origin = strings.ToLower(u.Scheme) + "://" + strings.ToLower(host)
	if port := u.Port(); port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", false
		}
		defaults := map[string]int{"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}
		if defaults[strings.ToLower(u.Scheme)] != n {
			origin += ":" + strconv.Itoa(n)
		}
	}
	return origin, true
}

// FuzzAllowedOrigins: every entry TLSECHO_ALLOWED_ORIGINS accepts is
// written exactly as a browser sends an Origin header, since entries are
// compared byte for byte; anything else is refused with one line naming
// the variable.
func FuzzAllowedOrigins(f *testing.F) {
	for _, s := range []string{
		"*", "https://app.example:8443", "https://a.example,http://b.example:8080",
		"https://a.example/", "https://a.example/app", "a.example:8443", "https://u@a.example",
		"HTTPS://A.example", "https://a.example:443", "https://a.example#x", "https://a.example?",
		"http://[::1]:8443", "http://[0:0::1]", "chrome-extension://abcdefghijklmnop", " https://a.example , *",
		"HTTPS://A.example:443/", "http://[::ffff:127.0.0.1]:80", "ws://A_b.example:0080",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		cfg, ok := loadOne(t, "TLSECHO_ALLOWED_ORIGINS", list)
		if !ok {
			return
		}
		for _, o := range cfg.AllowedOrigins {
			if o == "*" {
				continue
			}
			if want, ok := browserOrigin(o); !ok || want != o {
				t.Fatalf("entry %q accepted, but a browser sends no such origin (it would write %q)", o, want)
			}
		}
	})
}
