// Command tether is Tether's one binary: "tether server" runs the API and
// every other subcommand is its client.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/tether-ml/tether/internal/cli"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

// run wires the process to the command line: arguments, environment,
// standard streams, and SIGINT/SIGTERM as context cancellation.
func run(ctx context.Context, args []string, getenv func(string) string, stdin *os.File, stdout, stderr *os.File) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return cli.Run(ctx, args, cli.Env{Getenv: getenv, Environ: os.Environ, Stdin: stdin, Stdout: stdout, Stderr: stderr})
}
