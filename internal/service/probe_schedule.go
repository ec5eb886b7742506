package service

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tether-ml/tether"
)

// MinProbeInterval is the shortest interval of periodic tests: a shorter
// one would test a connection more often than its target can be expected
// to want.
const MinProbeInterval = time.Second

// ProbeSchedule says how often the server tests each stored connection in
// the background: a default, and intervals of namespaces and of single
// connections. The most specific one wins; 0 turns the tests off. The zero
// schedule tests nothing.
type ProbeSchedule struct {
	Default     time.Duration
	Namespaces  map[string]time.Duration // by namespace
	Connections map[string]time.Duration // by "namespace/id"
}

// ParseProbeSchedule reads the values of --probe-interval: "DURATION" (the
// default), "NS=DURATION" and "NS/ID=DURATION", each given once. A
// duration is Go's ("90s", "15m", "1h30m"), 0 or at least
// MinProbeInterval.
func ParseProbeSchedule(values []string) (ProbeSchedule, error) {
	s := ProbeSchedule{Namespaces: map[string]time.Duration{}, Connections: map[string]time.Duration{}}
	seen := map[string]bool{}
	for _, v := range values {
		target, dur, scoped := strings.Cut(v, "=")
		if !scoped {
			target, dur = "", v
		}
		d, err := time.ParseDuration(strings.TrimSpace(dur))
		if err != nil || d < 0 || (d > 0 && d < MinProbeInterval) {
			return ProbeSchedule{}, tether.Errorf(tether.EINVALID,
				"--probe-interval %q: want DURATION, NS=DURATION or NS/ID=DURATION, with a duration of 0 (off) or at least %s, such as 15m", v, MinProbeInterval)
		}
		if scoped && target == "" {
			return ProbeSchedule{}, tether.Errorf(tether.EINVALID, "--probe-interval %q: \"\" is not a namespace or namespace/id", v)
		}
		if seen[target] {
			return ProbeSchedule{}, tether.Errorf(tether.EINVALID, "--probe-interval %q: %s is given twice", v, scopeName(target))
		}
		seen[target] = true
		if err := s.set(v, target, d); err != nil {
			return ProbeSchedule{}, err
		}
	}
	return s, nil
}

// set records d as the interval of target: "" (the default), NS or NS/ID.
func (s *ProbeSchedule) set(v, target string, d time.Duration) error {
	ns, id, one := strings.Cut(target, "/")
	switch {
	case target == "":
		s.Default = d
	case !tether.NamespacePattern.MatchString(ns) || (one && !tether.IDPattern.MatchString(id)):
		return tether.Errorf(tether.EINVALID, "--probe-interval %q: %q is not a namespace or namespace/id", v, target)
	case one:
		s.Connections[target] = d
	default:
		s.Namespaces[ns] = d
	}
	return nil
}

// scopeName names the scope of a --probe-interval value.
func scopeName(target string) string {
	if target == "" {
		return "the default interval"
	}
	return fmt.Sprintf("the interval of %s", target)
}

// Interval returns how often ns/id is tested; 0 for never.
func (s ProbeSchedule) Interval(ns, id string) time.Duration {
	if d, ok := s.Connections[ns+"/"+id]; ok {
		return d
	}
	if d, ok := s.Namespaces[ns]; ok {
		return d
	}
	return s.Default
}

// Shortest returns the shortest interval that tests something; 0 if the
// schedule tests nothing.
func (s ProbeSchedule) Shortest() time.Duration {
	var out time.Duration
	for _, d := range slices.Concat([]time.Duration{s.Default}, slices.Collect(maps.Values(s.Namespaces)), slices.Collect(maps.Values(s.Connections))) {
		if d > 0 && (out == 0 || d < out) {
			out = d
		}
	}
	return out
}
