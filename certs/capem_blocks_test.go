package certs

import (
	"testing"
)

// TestParseCAPEMPassesOverOtherBlocks: a CA file may hold blocks that are
// not certificates (a key kept beside its CA, parameters); they are passed
// over, as ParseCAPEM says, and the certificates around them are read.
func TestParseCAPEMPassesOverOtherBlocks(t *testing.T) {
	one, two := newMTLSCA(t, "one"), newMTLSCA(t, "two")
	data := append(append(append([]byte{}, one.ca.KeyPEM...), one.ca.CertPEM...), two.ca.KeyPEM...)
	data = append(data, "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"...)
	data = append(data, two.ca.CertPEM...)
	cas, err := ParseCAPEM("ca.pem", data)
	if err != nil {
		t.Fatalf("ParseCAPEM: %v", err)
	}
	if len(cas) != 2 || cas[0].Subject.CommonName != "one CA" || cas[1].Subject.CommonName != "two CA" {
		t.Errorf("%d CAs read, want one CA and two CA", len(cas))
	}
}
