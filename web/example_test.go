package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/tlsecho/tlsecho/web"
)

// The page is one handler; mount it at the root of a TLS server, beside the
// WebSocket endpoint it talks to.
func ExampleHandler() {
	mux := http.NewServeMux()
	mux.Handle("/", web.Handler())
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()

	resp, err := srv.Client().Get(srv.URL + "/")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, strings.Contains(string(page), "<title>"))
	fmt.Println(resp.Header.Get("X-Content-Type-Options"))
	// Output:
	// 200 true
	// nosniff
}
