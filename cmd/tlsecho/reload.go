package main

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// startReload reloads the certificate files and the client CA file when
// they change and on SIGHUP, until the returned stop is called. SIGHUP is
// caught even for an in-memory certificate, whose default action would
// end the process.
func (a *app) startReload(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				a.src.ReloadAndLog(a.log, "SIGHUP")
			}
		}
	})
	if f, _ := a.src.Files(); f != "" || a.src.ClientCAFile() != "" {
		wg.Go(func() {
			if err := a.src.Watch(ctx, a.log); err != nil {
				a.log.Warn("certificate files are not watched; send SIGHUP after replacing them", "err", err)
			}
		})
	}
	return func() {
		signal.Stop(hup)
		cancel()
		wg.Wait()
	}
}
