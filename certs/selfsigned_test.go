package certs

import "testing"

// TestSelfSignedNeedsItsOwnSignature: a leaf whose issuer's name is its
// own, signed by a CA of that name, is not self-signed, so its chain is
// still checked and /info does not call it self-signed; the CA is.
func TestSelfSignedNeedsItsOwnSignature(t *testing.T) {
	ca, err := Generate(GenerateOptions{IsCA: true, CommonName: "echo.test"})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := Generate(GenerateOptions{Hosts: []string{"echo.test"}, Parent: ca.Cert})
	if err != nil {
		t.Fatal(err)
	}
	if l := leaf.Cert.Leaf; l.Issuer.String() != l.Subject.String() {
		t.Fatalf("issuer %q, subject %q: want the same name", l.Issuer, l.Subject)
	}
	if SelfSigned(leaf.Cert.Leaf) || !SelfSigned(ca.Cert.Leaf) {
		t.Errorf("leaf self-signed %v, CA %v; want false, true", SelfSigned(leaf.Cert.Leaf), SelfSigned(ca.Cert.Leaf))
	}
	alone := *leaf.Cert
	alone.Certificate = [][]byte{leaf.Cert.Certificate[0], leaf.Cert.Certificate[0]}
	if p := ChainProblem(&alone); p == "" {
		t.Error("ChainProblem found nothing in a leaf followed by itself, not its issuer")
	}
}
