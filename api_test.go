package main

import "testing"

// PROC-21: a wall clock that went back shows uptime 0:00:00, never a
// negative span; delays and timeouts run on the monotonic clock.
func TestDescriptionUptime(t *testing.T) {
	p := &Process{state: StateRunning, pid: 42}
	for _, tc := range []struct {
		start, now int
		want       string
	}{
		{1000, 1005, "pid 42, uptime 0:00:05"},
		{1000, 1000 + 86400 + 3723, "pid 42, uptime 1 day, 1:02:03"},
		{1000, 1000 + 3*86400, "pid 42, uptime 3 days, 0:00:00"},
		{1000, 940, "pid 42, uptime 0:00:00"},
	} {
		if got := p.description(tc.start, 0, tc.now); got != tc.want {
			t.Errorf("description(start %d, now %d) = %q, want %q", tc.start, tc.now, got, tc.want)
		}
	}
}
