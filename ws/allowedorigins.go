package ws

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// CheckAllowedOrigins reports the first entry of origins that
// [Server.AllowedOrigins] would never match, with words that say how to
// write it. An entry is "*" or an origin written exactly as browsers send
// it in the Origin header (RFC 6454 section 6.2): scheme://host[:port] in
// lower case, an IPv6 address in its short form, no default port, no
// path. Entries are compared to the header byte for byte, so any other
// spelling of the same origin lets no browser through; a program that
// reads the list from its operator checks it here before it serves. The
// error names the entry, not where it came from: the caller adds that.
func CheckAllowedOrigins(origins []string) error {
	for _, o := range origins {
		if err := checkAllowedOrigin(o); err != nil {
			return err
		}
	}
	return nil
}

// checkAllowedOrigin is CheckAllowedOrigins for one entry.
func checkAllowedOrigin(o string) error {
	if o == "*" {
		return nil
	}
	u, err := url.Parse(o)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return fmt.Errorf("%q is not an origin like https://app.example:8443", o)
	}
	sent, ok := originAsSent(u)
	switch {
	case !ok:
		return fmt.Errorf("%q is not an origin like https://app.example:8443 (host names in ASCII, ports from 1 to 65535)", o)
	case u.Path == "/" && sent == strings.TrimSuffix(o, "/"):
		return fmt.Errorf("%q: an origin has no trailing slash; browsers send %q", o, sent)
	case sent != o:
		return fmt.Errorf("%q: browsers send this origin as %q, and entries are compared exactly; write that", o, sent)
	}
	return nil
}

// urlIPv6 writes ip, given as an IPv6 address, as the URL standard's IPv6
// serializer does: hexadecimal pieces only. It differs from ip.String
// on IPv4-mapped addresses, which Go writes as 127.0.0.1 (and netip as
// ::ffff:127.0.0.1) but browsers as ::ffff:7f00:1, in an Origin as in Host.
func urlIPv6(ip net.IP) string {
	if v4 := ip.To4(); v4 != nil {
		return fmt.Sprintf("::ffff:%x:%x", uint16(v4[0])<<8|uint16(v4[1]), uint16(v4[2])<<8|uint16(v4[3]))
	}
	return ip.String()
}

// defaultPort is the port an origin of scheme leaves out (the URL
// standard's special schemes), or "" for a scheme without one.
func defaultPort(scheme string) string {
	switch scheme {
	case "http", "ws":
		return "80"
	case "https", "wss":
		return "443"
	case "ftp":
		return "21"
	}
	return ""
}

// originAsSent is u's origin as a browser serializes it; ok is false when
// no browser would send one for u.
func originAsSent(u *url.URL) (origin string, ok bool) {
	scheme, host := strings.ToLower(u.Scheme), u.Hostname()
	if ip := net.ParseIP(host); ip != nil {
		if strings.Contains(host, ":") {
			host = "[" + urlIPv6(ip) + "]"
		} else {
			host = ip.String()
		}
	} else {
		if host == "" || strings.Trim(host, "0123456789.") == "" {
			return "", false // an IPv4 address in a form browsers rewrite
		}
		for _, r := range host {
			if !(r == '-' || r == '.' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return "", false // browsers send names in ASCII (punycode)
			}
		}
		host = strings.ToLower(host)
	}
	origin = scheme + "://" + host
	if port := u.Port(); port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", false
		}
		if p := strconv.Itoa(n); p != defaultPort(scheme) {
			origin += ":" + p
		}
	}
	return origin, true
}
