package main

import (
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"github.com/tlsecho/tlsecho/certs"
)

// TestAdminRefusalAdviceWorks: a browser refused by a name the server
// does not have is told which name to add to TLSECHO_HOSTS. Beside
// certificate files, where nothing checks what TLSECHO_HOSTS holds, a
// server given exactly that name then serves the same browser by it.
func TestAdminRefusalAdviceWorks(t *testing.T) {
	t.Parallel()
	g, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"echo.example"}})
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := writeGenerated(t, t.TempDir(), "server", g)
	files := map[string]string{"CERT_FILE": certFile, "KEY_FILE": keyFile}
	refusing := startApp(t, files)
	named := regexp.MustCompile(`by the name ("(?:[^"\\]|\\.)*")`)
	for _, host := range []string{"admin.example", "Admin.Example."} {
		t.Run(host, func(t *testing.T) {
			t.Parallel()
			origin := "http://" + host + ":" + adminPort(t, refusing.AdminAddr)
			status, text := adminDo(t, browserRequest(t, http.MethodGet, refusing.AdminAddr, origin, "/hellos", nil))
			m := named.FindStringSubmatch(text)
			if status != http.StatusForbidden || m == nil {
				t.Fatalf("GET /hellos from a page of %s = %d %q, want 403 naming the name", origin, status, text)
			}
			name, err := strconv.Unquote(m[1])
			if err != nil {
				t.Fatal(err)
			}
			ta := startApp(t, map[string]string{"CERT_FILE": certFile, "KEY_FILE": keyFile, "HOSTS": name})
			origin = "http://" + host + ":" + adminPort(t, ta.AdminAddr)
			if status, text := adminDo(t, browserRequest(t, http.MethodGet, ta.AdminAddr, origin, "/hellos", nil)); status != http.StatusOK {
				t.Errorf("with TLSECHO_HOSTS=%s as the refusal advised, GET /hellos from a page of %s = %d %q, want 200", name, origin, status, text)
			}
		})
	}
}
