package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/internal/flagint"
)

// maxBrowserDays is the longest leaf validity browsers accept from public
// CAs (CA/Browser Forum baseline requirements since September 2020, first
// enforced by Apple). Apple platforms refuse any TLS leaf over 825 days.
const maxBrowserDays = 398

// maxDays is the longest validity -days takes: 100 years. Far longer ones
// overflow a time.Duration (106,751 days) and came out as the default.
const maxDays = 36500

// certFlags are the parsed arguments of `tlsecho cert`.
type certFlags struct {
	hosts      []string
	out        string
	rsa        bool
	days       int
	force      bool
	ca         bool
	client     bool
	hostsSet   bool
	p12        bool
	p12Pass    string
	p12PassSet bool
}

// parseCertFlags reads the arguments of `tlsecho cert`. When ok is false
// the command ends at once with code: after -h, whose usage went to
// stdout, or a refusal, one line on stderr.
func parseCertFlags(args []string, stdout, stderr io.Writer) (fl certFlags, code int, ok bool) {
	fs := flag.NewFlagSet("tlsecho cert", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	hosts := fs.String("hosts", "localhost,127.0.0.1,::1", "comma-separated DNS names and IP addresses (`a,b,...`) the certificate is valid for")
	fs.StringVar(&fl.out, "out", "", "directory to write into (`DIR`); created with mode 0700 if missing (required)")
	fs.BoolVar(&fl.rsa, "rsa", false, "RSA-2048 key instead of ECDSA P-256: only for old clients, handshakes cost about 5x the CPU")
	flagint.Var(fs, &fl.days, "days", 365, "validity in days (`N`); above 398 browsers refuse it from public CAs, and Apple systems above 825 from any")
	fs.BoolVar(&fl.force, "force", false, "replace existing cert.pem, key.pem and cert.p12 (never ca.pem or ca-key.pem)")
	fs.BoolVar(&fl.ca, "ca", false, "issue the certificate from a local CA in DIR (ca.pem, ca-key.pem; made on first use, reused after) that browsers can be told to trust")
	fs.BoolVar(&fl.client, "client", false, "a client certificate for mTLS: -hosts are the client's names, and the summary says how to\npresent it (tlsecho client, curl, a browser) instead of how to serve it")
	fs.BoolVar(&fl.p12, "p12", false, "also write DIR/cert.p12 (PKCS#12: certificate, key and CA) for phones and Java clients")
	fs.StringVar(&fl.p12Pass, "p12-password", "", "password (`PW`) of cert.p12 (default: a random one, printed); other users can see it in ps")
	// The flag package prints the usage on every parse error; only -h
	// should, and to stdout, while an error is one line on stderr.
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			certUsage(stdout, fs)
			return fl, exitOK, false
		}
		fmt.Fprintf(stderr, "tlsecho cert: %v; see tlsecho cert -h\n", err)
		return fl, exitUsage, false
	}
	fs.Visit(func(f *flag.Flag) {
		fl.p12PassSet = fl.p12PassSet || f.Name == "p12-password"
		fl.hostsSet = fl.hostsSet || f.Name == "hosts"
	})
	usageErr := func(format string, a ...any) (certFlags, int, bool) {
		fmt.Fprintf(stderr, "tlsecho cert: "+format+"; see tlsecho cert -h\n", a...)
		return fl, exitUsage, false
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q (hosts go in -hosts a,b)", fs.Arg(0))
	}
	if fl.out == "" {
		return usageErr("-out DIR is required")
	}
	if fl.days < 1 || fl.days > maxDays {
		return usageErr("-days %d: must be from 1 to %d", fl.days, maxDays)
	}
	if fl.client && !fl.hostsSet {
		// The default names a server on this machine; a client
		// certificate for "localhost" would name no one.
		return usageErr("-client needs -hosts with the client's name, such as -hosts alice")
	}
	if fl.p12PassSet && !fl.p12 {
		return usageErr("-p12-password needs -p12")
	}
	if fl.p12PassSet && fl.p12Pass == "" {
		// An empty password would be replaced by a random one, which is
		// not what was asked, and not printed.
		return usageErr("-p12-password is empty: give one, or leave the flag out for a random one, printed")
	}
	fl.hosts = nonEmpty(strings.Split(*hosts, ","))
	if len(fl.hosts) == 0 {
		return usageErr("-hosts is empty")
	}
	for _, h := range fl.hosts {
		if err := certs.CheckHost(h); err != nil {
			return usageErr("-hosts: %v", err)
		}
	}
	return fl, exitOK, true
}

// certUsage prints `tlsecho cert -h`: what the command writes, then the
// flags, then its exit codes.
func certUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `Usage: tlsecho cert -out DIR [-hosts a,b,...] [-rsa] [-days N] [-force] [-ca] [-client] [-p12 [-p12-password PW]]

Writes a certificate and its private key for the server:
  DIR/cert.pem   the certificate (followed by the CA certificate with -ca)
  DIR/key.pem    its private key, PKCS#8, mode 0600
and prints the TLSECHO_CERT_FILE and TLSECHO_KEY_FILE lines that use them.
Names go into DNS subject alternative names and IP addresses into IP ones,
which is what clients check. Existing files are never overwritten without
-force, and each file is written to a temporary name and moved into place,
so an interrupted run never leaves half a key.

With -ca the certificate is issued by a local certificate authority kept in
DIR/ca.pem and DIR/ca-key.pem (made on first use, reused afterwards); trust
ca.pem once in the system or browser, as printed, and browsers show no
warning. ca.pem also works as TLSECHO_CLIENT_CA_FILE for mTLS: each
certificate the CA issues can authenticate a client too. With -client the
certificate is meant for a client, -hosts names it (-hosts alice), and the
summary shows how to present it: tlsecho client, curl, and cert.p12 (-p12)
for a browser. Give a client its own DIR, with copies of ca.pem and
ca-key.pem to reuse the CA.

cert.p12 is encrypted with AES-256 and a SHA-256 MAC (PKCS#12 "modern"),
which OpenSSL 1.1.1+, Java 12+ and Windows Server 2019+ read.

Flags:
`)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	fmt.Fprint(w, `
Exit status: 0 written, 1 failed (an existing file, an unwritable directory;
nothing is overwritten), 2 bad arguments.
`)
}
