package main

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/tlsecho/tlsecho/certs"
)

// writeCert writes the files fl asks for and prints what it made. A run
// that fails leaves behind nothing it made, directories included; with
// -force what it already replaced stays replaced.
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
