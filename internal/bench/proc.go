package bench

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/PID/stat's CPU times: 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// Process reads a Linux process's CPU time and peak memory from /proc.
type Process struct{ PID int }

// CPUTime is the process's user plus system CPU time so far, 0 if it cannot
// be read. It counts whole clock ticks, so the difference of two readings is
// exact.
func (p Process) CPUTime() time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(p.PID) + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may
	// hold spaces: utime and stime are the 12th and 13th.
	rest := b[bytes.LastIndexByte(b, ')')+2:]
	f := strings.Fields(string(rest))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * (time.Second / clockTicks)
}

// PeakRSSMiB is the process's peak resident set size (VmHWM) since it
// started or since ResetPeak.
func (p Process) PeakRSSMiB() float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(p.PID) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// ResetPeak makes PeakRSSMiB start again from the current RSS (Linux
// clear_refs "5"), so each operation reports its own peak.
func (p Process) ResetPeak() {
	_ = os.WriteFile("/proc/"+strconv.Itoa(p.PID)+"/clear_refs", []byte("5"), 0)
}
