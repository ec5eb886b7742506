package cli

import (
	"context"
	"os/exec"
	"runtime"
)

// openBrowser asks the desktop to open url in a browser and reports
// whether it could start the program for that; it never waits for it. On
// Linux and the BSDs only with a display ($DISPLAY or $WAYLAND_DISPLAY):
// over SSH there is none and the user opens the printed URL themselves.
// url holds no secret (a login page, a user code, a PKCE challenge), so it
// may appear in a command line.
func openBrowser(ctx context.Context, getenv func(string) string, url string) bool {
	var name string
	var args []string
	switch runtime.GOOS {
	case "darwin":
		name = "open"
	case "windows":
		name, args = "rundll32", []string{"url.dll,FileProtocolHandler"}
	default:
		if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
			return false
		}
		name = "xdg-open"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return false
	}
	cmd := exec.CommandContext(context.WithoutCancel(ctx), path, append(args, url)...)
	if cmd.Start() != nil {
		return false
	}
	go func() { _ = cmd.Wait() }() // reap it
	return true
}
