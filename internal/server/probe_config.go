package server

import (
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/tether-ml/tether"
	"github.com/tether-ml/tether/internal/cli"
	"github.com/tether-ml/tether/internal/egress"
	"github.com/tether-ml/tether/internal/service"
)

// envTestAllowCIDR gives --test-allow-cidr's default: a comma list.
const envTestAllowCIDR = "TETHER_TEST_ALLOW_CIDR"

// probeConfig holds the flags of the connection tests the server runs.
type probeConfig struct {
	allowCIDRs  []string
	timeout     time.Duration
	concurrency int
}

// addFlags registers the connection tests' flags.
func (p *probeConfig) addFlags(f *pflag.FlagSet, env func(string) string) {
	var def []string
	if v := env(envTestAllowCIDR); v != "" {
		def = strings.Split(v, ",")
	}
	f.StringSliceVar(&p.allowCIDRs, "test-allow-cidr", def,
		"let connection tests and credential exchanges (STS, ECR) reach this network although it is loopback, private or link-local (CIDR or address; repeatable or a comma list; env "+envTestAllowCIDR+")")
	f.DurationVar(&p.timeout, "test-timeout", service.DefaultProbeTimeout, "time one connection test may take, its wait for the target included")
	f.IntVar(&p.concurrency, "test-concurrency", service.DefaultProbeConcurrency,
		"connection tests run at once; more wait briefly, then get 429")
}

// options checks the flags and returns the connection tests' options:
// the egress policy, the limiter, the timeout and this host's name.
func (p *probeConfig) options() (service.ProbeOptions, error) {
	switch {
	case p.timeout <= 0:
		return service.ProbeOptions{}, cli.Usagef("--test-timeout must be positive")
	case p.concurrency < 1:
		return service.ProbeOptions{}, cli.Usagef("--test-concurrency must be at least 1")
	}
	allowed, err := egress.ParseAllowCIDRs(p.allowCIDRs)
	if err != nil {
		return service.ProbeOptions{}, cli.Usagef("%s", tether.ErrorMessage(err))
	}
	host, _ := os.Hostname() // only a label of the results: none if unknown
	return service.ProbeOptions{
		Policy:  egress.NewPolicy(allowed),
		Limiter: egress.NewLimiter(int64(p.concurrency)),
		Timeout: p.timeout,
		Host:    host,
	}, nil
}
