// Command tether is Tether's one binary: "tether server" runs the API,
// "tether controller" delivers connections into Kubernetes, and every other
// subcommand is a client of the API. main is the one place that puts
// them together: the client commands of package cli, the server-side
// commands of package server, which opens the stores, the keyring and the
// services, and "tether controller" of package controller.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/tether-ml/tether/internal/cli"
	"github.com/tether-ml/tether/internal/controller"
	"github.com/tether-ml/tether/internal/server"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

// run wires the process to the command line: arguments, environment,
// standard streams, and SIGINT/SIGTERM as context cancellation.
func run(ctx context.Context, args []string, getenv func(string) string, stdin *os.File, stdout, stderr *os.File) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := cli.Env{Getenv: getenv, Environ: os.Environ, Stdin: stdin, Stdout: stdout, Stderr: stderr}
	return cli.Run(ctx, args, env, append(server.Commands(env), controller.Command(env))...)
}
