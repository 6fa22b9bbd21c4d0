package ws_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/ws"
)

// ExampleServer mounts the echo server at /ws of a mux served over TLS and
// talks to it with a gorilla client.
func ExampleServer() {
	wss := &ws.Server{
		// Pages served from another origin may use the endpoint too.
		AllowedOrigins: []string{"https://app.example"},
	}
	mux := http.NewServeMux()
	mux.Handle("/ws", wss)
	hs := httptest.NewTLSServer(mux)
	defer hs.Close()
	// Shut the WebSocket server down before the HTTP server: it sends
	// close 1001 to the clients still connected and waits for them.
	defer wss.Shutdown(context.Background())

	d := websocket.Dialer{TLSClientConfig: hs.Client().Transport.(*http.Transport).TLSClientConfig}
	conn, _, err := d.Dial("wss://"+strings.TrimPrefix(hs.URL, "https://")+"/ws", nil)
	if err != nil {
		fmt.Println("dial:", err)
		return
	}
	defer conn.Close()

	if err := conn.WriteMessage(websocket.TextMessage, []byte("hello")); err != nil {
		fmt.Println("write:", err)
		return
	}
	mt, msg, err := conn.ReadMessage()
	if err != nil {
		fmt.Println("read:", err)
		return
	}
	fmt.Println(mt == websocket.TextMessage, string(msg))
	// Output: true hello
}

// ExampleCheckAllowedOrigins checks a list an operator wrote before the
// server takes it: an entry is compared to the Origin header byte for
// byte, so one spelled otherwise than browsers send it would let no page
// through.
func ExampleCheckAllowedOrigins() {
	fmt.Println(ws.CheckAllowedOrigins([]string{"https://app.example:8443", "*"}))
	fmt.Println(ws.CheckAllowedOrigins([]string{"https://App.example:443/"}))
	// Output:
	// <nil>
	// "https://App.example:443/": browsers send this origin as "https://app.example", and entries are compared exactly; write that
}
