package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/ws"
)

// envPrefix starts every variable tlsecho reads.
const envPrefix = "TLSECHO_"

// Config is everything the server reads from the environment. The `help`
// tag feeds `tlsecho -h`, so the listing and the parser cannot drift apart.
type Config struct {
	TLSAddr          string        `env:"TLS_ADDR" envDefault:":8433" help:"raw TLS echo listener"`
	HTTPSAddr        string        `env:"HTTPS_ADDR" envDefault:":8443" help:"HTTPS listener: test page /, wss echo /ws, /info, /healthz"`
	AdminAddr        string        `env:"ADMIN_ADDR" envDefault:":9090" help:"plain HTTP /metrics, /healthz, /readyz, /hellos, /faults; set to empty to turn off"`
	HTTPAddr         string        `env:"HTTP_ADDR" help:"plain HTTP listener with the page, /ws, /info, /healthz, for behind a proxy that ends TLS; empty: off"`
	CertFile         string        `env:"CERT_FILE" help:"PEM certificate (and chain); with KEY_FILE, or neither for a self-signed one in memory"`
	KeyFile          string        `env:"KEY_FILE" help:"PEM private key of CERT_FILE"`
	Hosts            []string      `env:"HOSTS" envDefault:"localhost,127.0.0.1,::1" envSeparator:"," help:"names and IPs of the generated certificate; also the names a browser may use for the admin port"`
	ClientCAFile     string        `env:"CLIENT_CA_FILE" help:"PEM CA certificates; set: client certificates required and verified (mTLS) on both ports"`
	TLSMinVersion    string        `env:"TLS_MIN_VERSION" envDefault:"1.2" help:"lowest TLS version accepted: 1.2 or 1.3"`
	HandshakeTimeout time.Duration `env:"HANDSHAKE_TIMEOUT" envDefault:"10s" help:"a client that has not finished its handshake by then is dropped"`
	IdleTimeout      time.Duration `env:"IDLE_TIMEOUT" envDefault:"5m" help:"a connection with no traffic that long is closed"`
	MaxConns         int           `env:"MAX_CONNS" envDefault:"10000" help:"connections per listener; more are refused at once"`
	MaxMessageBytes  int64         `env:"MAX_MESSAGE_BYTES" envDefault:"1048576" help:"largest WebSocket message; larger: close 1009"`
	AllowedOrigins   []string      `env:"ALLOWED_ORIGINS" envSeparator:"," help:"comma list of origins allowed on /ws, or *; empty: same host only"`
	WSCompression    bool          `env:"WS_COMPRESSION" envDefault:"false" help:"true: permessage-deflate when the client offers it"`
	PingInterval     time.Duration `env:"PING_INTERVAL" envDefault:"30s" help:"server pings idle WebSocket clients this often; no pong in time: closed"`
	ShutdownTimeout  time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"15s" help:"graceful drain on SIGTERM/SIGINT"`
	DrainDelay       time.Duration `env:"DRAIN_DELAY" envDefault:"0s" help:"on SIGTERM /readyz turns 503 at once, new connections are still served this long, then the drain; counts inside SHUTDOWN_TIMEOUT"`
	ProxyProtocol    string        `env:"PROXY_PROTOCOL" envDefault:"off" help:"off, optional or require: PROXY protocol v1/v2 headers on the TLS, HTTPS and HTTP listeners (never admin)"`
	ProxyTrusted     []string      `env:"PROXY_TRUSTED" envSeparator:"," help:"IPs or CIDRs allowed to send a PROXY header, and X-Forwarded-* on the HTTP listener; empty: any peer"`
	LogLevel         string        `env:"LOG_LEVEL" envDefault:"info" help:"debug, info, warn or error"`
	LogFormat        string        `env:"LOG_FORMAT" envDefault:"text" help:"text or json"`
	Fault            string        `env:"FAULT" help:"a fault spec for every connection on both echoes, such as delay:100ms,close:4001@3 (README: Faults)"`
	Faults           bool          `env:"FAULTS" envDefault:"true" help:"false refuses every fault, from any source (/ws?fault=, POST /faults, FAULT)"`
}

// configError names the variable at fault, so the one line on stderr
// tells the operator what to fix.
type configError struct {
	Var string
	Err error
}

// Error names the variable first, as the one line on stderr should.
func (e *configError) Error() string { return e.Var + ": " + e.Err.Error() }

// Unwrap exposes the parse or validation error.
func (e *configError) Unwrap() error { return e.Err }

func envOptions(environ map[string]string) env.Options {
	return env.Options{Prefix: envPrefix, Environment: environ}
}

// loadConfig parses and checks the configuration from environ (as
// os.Environ gives it). It does not read files: the certificate source
// reads them when the server starts.
func loadConfig(environ []string) (Config, error) {
	vars := env.ToMap(environ)
	var cfg Config
	if err := checkSetButEmpty(vars); err != nil {
		return cfg, err
	}
	if err := env.ParseWithOptions(&cfg, envOptions(vars)); err != nil {
		return cfg, parseErrorVar(err)
	}
	// caarlos0/env applies envDefault to a variable set to the empty string
	// too; the contract says an empty admin address turns the listener off.
	if v, ok := vars[envPrefix+"ADMIN_ADDR"]; ok && v == "" {
		cfg.AdminAddr = ""
	}
	// Lists are written by hand: "a, b" means a and b, as it reads, and a
	// stray comma adds nothing. What is left must then parse as it stands.
	cfg.Hosts = nonEmpty(cfg.Hosts)
	cfg.AllowedOrigins = nonEmpty(cfg.AllowedOrigins)
	cfg.ProxyTrusted = nonEmpty(cfg.ProxyTrusted)
	// Words are read in any case, as the log level and format are
	// (slog reads "DEBUG"): "OFF" was refused where "JSON" was taken.
	if w := strings.ToLower(cfg.ProxyProtocol); slices.Contains(proxyModes, w) {
		cfg.ProxyProtocol = w
	}
	if err := checkListNotBlank(vars); err != nil {
		return cfg, err
	}
	return cfg, cfg.validate()
}

// checkListNotBlank refuses a list variable that holds only commas and
// spaces: its list is empty, which for TLSECHO_PROXY_TRUSTED means any
// peer. A value set to "," (a template's separator left alone) would
// widen trust without a word; an empty value says so plainly.
func checkListNotBlank(vars map[string]string) error {
	for _, name := range []string{"HOSTS", "ALLOWED_ORIGINS", "PROXY_TRUSTED"} {
		v, set := vars[envPrefix+name]
		if set && strings.TrimSpace(v) != "" && len(nonEmpty(strings.Split(v, ","))) == 0 {
			return &configError{Var: envPrefix + name, Err: fmt.Errorf(
				"%q lists nothing, only commas and spaces; give the list, or leave it empty for its empty meaning", v)}
		}
	}
	return nil
}

// mandatoryListeners are the listeners an empty address cannot turn off,
// by variable.
var mandatoryListeners = map[string]string{
	envPrefix + "TLS_ADDR":   "raw TLS listener",
	envPrefix + "HTTPS_ADDR": "HTTPS listener",
}

// checkSetButEmpty refuses a variable set to the empty string where empty
// means nothing. caarlos0/env reads such a value as unset and applies the
// default, so TLSECHO_TLS_ADDR= (a template's unset placeholder, a typo)
// would bind :8433 on every interface while the operator meant something
// else. Only the variables whose empty value the contract gives a meaning
// pass: the admin address (off), and those without a default (off, none,
// any peer); and TLSECHO_HOSTS when certificate files make it moot.
func checkSetButEmpty(vars map[string]string) error {
	for f := range reflect.TypeFor[Config]().Fields() {
		name := envPrefix + f.Tag.Get("env")
		def, hasDefault := f.Tag.Lookup("envDefault")
		if v, set := vars[name]; !set || v != "" || !hasDefault {
			continue
		}
		switch name {
		case envPrefix + "ADMIN_ADDR":
			continue // empty turns the admin listener off
		case envPrefix + "HOSTS":
			if vars[envPrefix+"CERT_FILE"] != "" {
				continue // no certificate is generated
			}
			return &configError{Var: name, Err: fmt.Errorf(
				"empty leaves the generated certificate without a name; list its names and IPs (default %s), or give TLSECHO_CERT_FILE and TLSECHO_KEY_FILE", def)}
		}
		if what, ok := mandatoryListeners[name]; ok {
			return &configError{Var: name, Err: fmt.Errorf(
				"empty, but the %s cannot be turned off; give host:port (default %s)", what, def)}
		}
		return &configError{Var: name, Err: fmt.Errorf("set but empty; give a value (default %s), or unset it", def)}
	}
	return nil
}

// parseErrorVar turns the parser's error, which names the Go field, into
// one naming the variable.
func parseErrorVar(err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) || len(agg.Errors) == 0 {
		return err
	}
	first := agg.Errors[0]
	var pe env.ParseError
	if errors.As(first, &pe) {
		if f, ok := reflect.TypeFor[Config]().FieldByName(pe.Name); ok {
			return &configError{Var: envPrefix + f.Tag.Get("env"), Err: unwrapParse(pe.Err)}
		}
	}
	return first
}

// unwrapParse drops strconv's "strconv.ParseInt: parsing ..." wording,
// which says nothing to an operator.
func unwrapParse(err error) error {
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		if ne.Func == "ParseBool" {
			return fmt.Errorf("%q: want true or false (1 and 0 are taken too)", ne.Num)
		}
		if errors.Is(ne.Err, strconv.ErrRange) {
			// A number, only past what the setting's type holds: say
			// so, since "not a valid number" sends the user looking
			// for a typo.
			if strings.HasPrefix(ne.Num, "-") {
				return fmt.Errorf("%q is too large a negative number", ne.Num)
			}
			return fmt.Errorf("%q is too large a number", ne.Num)
		}
		return fmt.Errorf("%q is not a valid number", ne.Num)
	}
	return err
}

func (c *Config) validate() error {
	on := c.listenerAddrs()
	for _, a := range on {
		if err := checkAddr(a.val); err != nil {
			return &configError{Var: envPrefix + a.name, Err: err}
		}
	}
	if err := checkOwnPorts(on); err != nil {
		return err
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		missing := "TLSECHO_KEY_FILE"
		if c.CertFile == "" {
			missing = "TLSECHO_CERT_FILE"
		}
		return &configError{Var: missing, Err: errors.New("TLSECHO_CERT_FILE and TLSECHO_KEY_FILE go together: set both or neither")}
	}
	if err := c.checkHosts(); err != nil {
		return &configError{Var: "TLSECHO_HOSTS", Err: err}
	}
	if _, err := c.minVersion(); err != nil {
		return &configError{Var: "TLSECHO_TLS_MIN_VERSION", Err: err}
	}
	durations := []struct {
		name string
		d    time.Duration
	}{
		{"HANDSHAKE_TIMEOUT", c.HandshakeTimeout},
		{"IDLE_TIMEOUT", c.IdleTimeout},
		{"PING_INTERVAL", c.PingInterval},
		{"SHUTDOWN_TIMEOUT", c.ShutdownTimeout},
	}
	for _, d := range durations {
		if d.d <= 0 {
			return &configError{Var: envPrefix + d.name, Err: fmt.Errorf("must be a positive duration such as 10s, not %v", d.d)}
		}
	}
	if c.MaxConns <= 0 {
		return &configError{Var: "TLSECHO_MAX_CONNS", Err: fmt.Errorf("must be at least 1, not %d", c.MaxConns)}
	}
	if c.MaxMessageBytes <= 0 {
		return &configError{Var: "TLSECHO_MAX_MESSAGE_BYTES", Err: fmt.Errorf("must be at least 1, not %d", c.MaxMessageBytes)}
	}
	if err := ws.CheckAllowedOrigins(c.AllowedOrigins); err != nil {
		return &configError{Var: "TLSECHO_ALLOWED_ORIGINS", Err: err}
	}
	if err := c.validateBalancer(); err != nil {
		return err
	}
	if _, err := c.slogLevel(); err != nil {
		return &configError{Var: "TLSECHO_LOG_LEVEL", Err: err}
	}
	// Either case, as for TLSECHO_LOG_LEVEL (slog takes DEBUG as debug).
	if !strings.EqualFold(c.LogFormat, "text") && !strings.EqualFold(c.LogFormat, "json") {
		return &configError{Var: "TLSECHO_LOG_FORMAT", Err: fmt.Errorf("%q: want text or json", c.LogFormat)}
	}
	if _, err := c.faultOptions(); err != nil {
		return err
	}
	return nil
}

// checkHosts checks the names of the generated certificate. With
// certificate files TLSECHO_HOSTS only names the admin port for browsers
// (refuseRebinding), where a name that matches nothing does no harm.
func (c *Config) checkHosts() error {
	if c.CertFile != "" {
		return nil
	}
	if len(c.Hosts) == 0 {
		return errors.New("no host names for the generated certificate")
	}
	for _, h := range c.Hosts {
		if err := certs.CheckHost(h); err != nil {
			return err
		}
	}
	return nil
}

func checkAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		// The parser's error repeats the address unquoted, which would
		// break the one-line message on a value with a newline in it.
		why := err.Error()
		if ae := (*net.AddrError)(nil); errors.As(err, &ae) {
			why = ae.Err
		}
		// "::1:8433" is refused as "too many colons": say what to write.
		if strings.Count(addr, ":") > 1 && !strings.HasPrefix(addr, "[") {
			why += "; an IPv6 address goes in brackets, as in [::1]:8433 or [::]:8433"
		}
		return fmt.Errorf("%q is not host:port (%s)", addr, why)
	}
	// "*:8433" is how HAProxy, nginx and Apache write every interface;
	// Go would look "*" up as a name and fail with "no such host".
	if host == "*" {
		return fmt.Errorf("%q: %q is not a host; leave the host out (%q) to listen on every interface", addr, host, ":"+port)
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil || (port != "0" && p == 0) {
		return fmt.Errorf("%q: port %q is not a number from 0 to 65535", addr, port)
	}
	return checkListenHost(addr, host, port)
}

func (c *Config) minVersion() (uint16, error) {
	switch c.TLSMinVersion {
	case "1.2":
		return tls.VersionTLS12, nil
	case "1.3":
		return tls.VersionTLS13, nil
	}
	return 0, fmt.Errorf("%q: want 1.2 or 1.3", c.TLSMinVersion)
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// printEnvHelp lists every variable with its default and meaning, read
// from the Config struct itself.
func printEnvHelp(w io.Writer) {
	t := reflect.TypeFor[Config]()
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "  VARIABLE\tDEFAULT\tMEANING")
	for i := range t.NumField() {
		f := t.Field(i)
		def := f.Tag.Get("envDefault")
		if def == "" {
			def = "(empty)"
		}
		fmt.Fprintf(tw, "  %s%s\t%s\t%s\n", envPrefix, f.Tag.Get("env"), def, f.Tag.Get("help"))
	}
	tw.Flush()
}
