package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/service"
)

// seedWriters is how many goroutines create the benchmark's connections:
// enough to keep the one writer busy while others validate and seal.
const seedWriters = 4

// seedBench fills a fresh data directory (or database) with the
// benchmark namespace and n connections, through the same services the
// server runs (validation, sealing, audit) but without HTTP in between, so
// that a million connections load in about a minute rather than ten.
func (a *app) seedBench(ctx context.Context, dir, db string, n int, out io.Writer) error {
	cfg := serverConfig{storeConfig: storeConfig{dataDir: dir, db: db}}
	st, sealer, err := openData(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	set := service.New(st, sealer, a.types, slog.New(slog.DiscardHandler))
	ctx = tether.WithIdentity(ctx, &tether.Identity{Subject: tether.BootstrapSubject, Method: tether.MethodToken})
	if _, err := set.Namespaces.Create(ctx, benchNamespace); err != nil && tether.ErrorCode(err) != tether.ECONFLICT {
		return err
	}
	bar := progressbar.NewOptions(n, progressbar.OptionSetWriter(out), progressbar.OptionShowCount(),
		progressbar.OptionSetDescription(fmt.Sprintf("loading %d connections", n)),
		progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
	defer bar.Finish()
	next, errs := make(chan int), make(chan error, seedWriters)
	var wg sync.WaitGroup
	for range seedWriters {
		wg.Go(func() {
			for i := range next {
				var c tether.Connection
				if err := json.Unmarshal(benchBody(benchID(i), "benchmark connection"), &c); err != nil {
					errs <- tether.Internal("server.seedBench", err)
					return
				}
				if _, err := set.Connections.Create(ctx, benchNamespace, &c); err != nil {
					errs <- err
					return
				}
				_ = bar.Add(1)
			}
		})
	}
	err = feed(ctx, next, n, errs)
	wg.Wait()
	return err
}

// benchID is the id of the i-th benchmark connection; ids sort as i does.
func benchID(i int) string { return fmt.Sprintf("conn-%07d", i) }
