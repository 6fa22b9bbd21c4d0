package main

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"software.sslmate.com/src/go-pkcs12"

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

// certCmd implements `tlsecho cert`: it writes a certificate and key for
// TLSECHO_CERT_FILE and TLSECHO_KEY_FILE, optionally issued by a local CA
// and bundled as PKCS#12.
func certCmd(args []string, stdout, stderr io.Writer) int {
	fl, code, ok := parseCertFlags(args, stdout, stderr)
	if !ok {
		return code
	}
	if fl.days > maxBrowserDays {
		fmt.Fprintf(stderr, "tlsecho cert: warning: -days %d is more than %d: browsers refuse server certificates valid that long from public CAs, and Apple systems refuse any over 825 days; other clients accept it\n", fl.days, maxBrowserDays)
	}
	if wild := certs.ShallowWildcards(fl.hosts); len(wild) > 0 && !fl.client {
		fmt.Fprintf(stderr, "tlsecho cert: warning: browsers, curl and OpenSSL refuse a wildcard with one label after it (%s), trusted CA or not (Chrome: ERR_CERT_COMMON_NAME_INVALID; OpenSSL: hostname mismatch), and only Go clients take it; name the hosts, or use a wildcard under two labels (*.app.localhost)\n", strings.Join(wild, ", "))
	}
	if err := writeCert(fl, stdout); err != nil {
		fmt.Fprintf(stderr, "tlsecho cert: %v\n", err)
		return exitFailure
	}
	return exitOK
}

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

// missingDirs lists dir and those of its parents that do not exist yet,
// dir first: what os.MkdirAll(dir) would make.
func missingDirs(dir string) []string {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); !errors.Is(err, fs.ErrNotExist) {
			return missing
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			return missing
		}
	}
}

// outFile is one file `tlsecho cert` writes.
type outFile struct {
	path string
	data []byte
	perm os.FileMode
}

func writeCert(fl certFlags, stdout io.Writer) (err error) {
	dir, err := filepath.Abs(fl.out)
	if err != nil {
		return fmt.Errorf("-out %s: %w", fl.out, err)
	}
	certPath := filepath.Join(dir, "cert.pem")
	keyPath := filepath.Join(dir, "key.pem")
	p12Path := filepath.Join(dir, "cert.p12")
	caPath := filepath.Join(dir, "ca.pem")
	caKeyPath := filepath.Join(dir, "ca-key.pem")

	// The directories this run makes are removed again, deepest first,
	// if it fails: a failed run leaves nothing behind. os.Remove takes
	// only an empty one.
	made := missingDirs(dir)
	defer func() {
		if err != nil {
			for _, d := range made {
				os.Remove(d)
			}
		}
	}()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	targets := []string{certPath, keyPath}
	if fl.p12 {
		targets = append(targets, p12Path)
	}
	if !fl.force {
		var existing []string
		for _, p := range targets {
			if _, err := os.Lstat(p); err == nil {
				existing = append(existing, p)
			}
		}
		switch len(existing) {
		case 0:
		case 1:
			return fmt.Errorf("%s already exists; not overwriting it (use -force to replace it)", existing[0])
		default:
			return fmt.Errorf("%s already exist; not overwriting them (use -force to replace them)", strings.Join(existing, " and "))
		}
		// A cert.p12 left from an earlier run (its pair deleted) would
		// sit beside the new pair holding another certificate; -force
		// removes it.
		if _, err := os.Lstat(p12Path); err == nil && !fl.p12 {
			return fmt.Errorf("%s is left from an earlier run and would not match the new pair; use -force to remove it, or -p12 -force to replace it", p12Path)
		}
	}

	// Files this run created are removed again if a later step fails. With
	// -force a failure cannot bring back what was replaced, so the pair's
	// files are not tracked then; a new CA always is.
	var created []string
	defer func() {
		if err != nil {
			for _, p := range created {
				os.Remove(p)
			}
		}
	}()

	var ca *tls.Certificate
	newCA := false
	if fl.ca {
		if ca, newCA, err = certs.LoadOrMakeCA(caPath, caKeyPath, fl.rsa); errors.Is(err, certs.ErrEncryptedKey) {
			// certs words it for the server's key; this one is the
			// CA's, and the way out is a command to run here.
			plain := filepath.Join(filepath.Dir(caKeyPath), "ca-plain.key")
			return fmt.Errorf("the local CA key %s is encrypted, and encrypted keys are not supported (tlsecho cert cannot ask for a passphrase): "+
				"decrypt it with openssl pkey -in %s -out %s, then move %s over %s and keep it private (chmod 600)",
				caKeyPath, caKeyPath, plain, plain, caKeyPath)
		} else if err != nil {
			return err
		}
		if newCA {
			created = append(created, caKeyPath, caPath)
		}
	}

	validFor := time.Duration(fl.days) * 24 * time.Hour
	if ca != nil && time.Now().Add(validFor).After(ca.Leaf.NotAfter) {
		// Clients check every certificate of the chain: from the CA's end
		// on, this one would fail everywhere, whatever it says itself.
		return fmt.Errorf("-days %d: the certificate would outlive the local CA %s, valid until %s; use -days %d or fewer",
			fl.days, caPath, ca.Leaf.NotAfter.Format(time.DateOnly), int(time.Until(ca.Leaf.NotAfter)/(24*time.Hour)))
	}
	g, err := certs.Generate(certs.GenerateOptions{
		Hosts:    fl.hosts,
		RSA:      fl.rsa,
		ValidFor: validFor,
		Parent:   ca,
	})
	if err != nil {
		return err
	}
	// The key first: a run cut short leaves at most a key without its
	// certificate, which the server refuses to load, never the reverse.
	files := []outFile{
		{keyPath, g.KeyPEM, 0o600},
		{certPath, g.CertPEM, 0o644},
	}
	p12Pass := fl.p12Pass
	if fl.p12 {
		if p12Pass == "" {
			p12Pass = rand.Text()
		}
		var caCerts []*x509.Certificate
		if ca != nil {
			caCerts = []*x509.Certificate{ca.Leaf}
		}
		// pkcs12.Modern: AES-256-CBC with PBKDF2 and an HMAC-SHA-256 MAC;
		// the legacy RC2/3DES encodings are readable by OpenSSL 3 only with
		// its legacy provider.
		data, err := pkcs12.Modern.Encode(g.Cert.PrivateKey, g.Cert.Leaf, caCerts, p12Pass)
		if err != nil {
			return fmt.Errorf("encode %s: %w", p12Path, err)
		}
		files = append(files, outFile{p12Path, data, 0o600})
	}
	for _, f := range files {
		if err := certs.WriteFileAtomic(f.path, f.data, f.perm, fl.force); errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists; not overwriting (use -force to replace)", f.path)
		} else if err != nil {
			return err
		}
		if !fl.force {
			created = append(created, f.path)
		}
	}

	// A cert.p12 of an earlier run holds the certificate and key just
	// replaced: left beside the new pair, it would be imported for it.
	staleP12 := false
	if fl.force && !fl.p12 {
		if err := os.Remove(p12Path); err == nil {
			staleP12 = true
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s, which holds the replaced certificate: %w", p12Path, err)
		}
	}

	printCertSummary(stdout, fl, g.Cert.Leaf, certSummary{
		certPath: certPath, keyPath: keyPath, p12Path: p12Path, p12Pass: p12Pass,
		caPath: caPath, caKeyPath: caKeyPath, newCA: newCA,
	})
	if staleP12 {
		fmt.Fprintf(stdout, "\nRemoved %q, which held the certificate replaced; add -p12 to make one of the new.\n", p12Path)
	}
	return nil
}
