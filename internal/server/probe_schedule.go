package server

import (
	"context"
	"log/slog"
	"sync"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/cli"
	"github.com/tether-ml/tether/internal/service"
)

// probeIntervalUsage is the help of --probe-interval.
const probeIntervalUsage = "test the stored connections in the background this often: DURATION for every namespace, " +
	"NS=DURATION for one, NS/ID=DURATION for one connection (repeatable; the most specific wins; 0 is off, the default)"

// parseProbeSchedule reads --probe-interval, a usage error if it is wrong.
func parseProbeSchedule(values []string) (service.ProbeSchedule, error) {
	sched, err := service.ParseProbeSchedule(values)
	if err != nil {
		return sched, cli.Usagef("%s", tether.ErrorMessage(err))
	}
	return sched, nil
}

// startProbeSchedule runs the periodic tests of sched, with probes, in the
// background; the function it returns stops them and waits for the tests
// running. It does nothing if sched tests nothing.
func startProbeSchedule(ctx context.Context, sched service.ProbeSchedule, probes *service.Probes, log *slog.Logger) (stop func()) {
	if sched.Shortest() == 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		probes.RunSchedule(ctx, sched, service.SchedulerOptions{Log: log})
	}()
	log.Info("periodic connection tests", "shortest_interval", sched.Shortest().String())
	return func() { cancel(); wg.Wait() }
}
