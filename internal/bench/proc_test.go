package bench

import (
	"os"
	"testing"
	"time"
)

// TestProcessCPUTime: the CPU time of this process grows while it computes;
// a process that does not exist reads as 0.
func TestProcessCPUTime(t *testing.T) {
	p := Process{PID: os.Getpid()}
	before := p.CPUTime()
	x := 0
	for start := time.Now(); time.Since(start) < 200*time.Millisecond; {
		x++
	}
	after := p.CPUTime()
	if after <= before {
		t.Fatalf("CPU time did not grow over 200 ms of work (%d iterations): %v then %v", x, before, after)
	}
	if rss := p.PeakRSSMiB(); rss <= 0 {
		t.Errorf("PeakRSSMiB = %v, want > 0", rss)
	}
	if got := (Process{PID: -1}).CPUTime(); got != 0 {
		t.Errorf("CPUTime of no process = %v, want 0", got)
	}
}
