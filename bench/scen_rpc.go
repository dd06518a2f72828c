package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/kolo/xmlrpc"
)

// rpcMode is one way of loading the RPC server.
type rpcMode struct {
	name      string
	clients   int
	keepAlive bool
}

var rpcModes = []rpcMode{
	{"sequential, one keep-alive connection", 1, true},
	{"4 concurrent clients", 4, true},
	{"new connection per call", 1, false},
}

// rpcTargets are the goals for req/s, by mode.
var rpcTargets = map[string]float64{
	"sequential, one keep-alive connection": 0.7,
	"4 concurrent clients":                  0.5,
}

// rpcWindow is how long each mode runs against each server.
func (b *bench) rpcWindow() time.Duration {
	if b.quick {
		return 500 * time.Millisecond
	}
	return 2 * time.Second
}

// rpcLoad is scenario 4: getProcessInfo against the daemons with one
// program, and the same requests against the echo server.
func (b *bench) rpcLoad() error {
	for r := range b.runs(3) {
		for _, fl := range b.flavors {
			b.failed(fl, b.rpcRun(fl), b.rpcRows()...)
		}
		e, err := b.startEcho()
		if err != nil {
			return err
		}
		err = b.loadAll(e.addr, limit)
		e.stop()
		if err != nil {
			return err
		}
		b.progress("run %d done", r+1)
	}
	return nil
}

func (b *bench) rpcRun(fl *flavor) error {
	in, err := b.launch(fl, oneProgram)
	if err != nil {
		return err
	}
	defer b.stop(in)
	if _, err := in.waitRPC(); err != nil {
		return err
	}
	if _, err := in.waitRunning(1, time.Now().Add(30*time.Second)); err != nil {
		return err
	}
	return b.loadAll(in.addr(), fl.who)
}

// rpcModeRows are the rate, p50 and p99 rows of a mode.
func (b *bench) rpcModeRows(mode rpcMode) []*metric {
	p := "RPC " + mode.name + ": "
	rows := []*metric{
		b.res.metric("rpc."+mode.name+".rps", p+"getProcessInfo rate (limit: echo server)", "req/s"),
		b.res.metric("rpc."+mode.name+".p50", p+"p50 latency", "ms"),
		b.res.metric("rpc."+mode.name+".p99", p+"p99 latency", "ms"),
	}
	if x, ok := rpcTargets[mode.name]; ok {
		rows[0].target = atLeastLimit(x)
	}
	return rows
}

func (b *bench) rpcRows() []*metric {
	var rows []*metric
	for _, mode := range rpcModes {
		rows = append(rows, b.rpcModeRows(mode)...)
	}
	return rows
}

func (b *bench) loadAll(addr string, w who) error {
	body, _ := encodeCall("supervisor.getProcessInfo", "p")
	for _, mode := range rpcModes {
		rate, lat, err := load(addr, body, mode, b.rpcWindow())
		if err != nil {
			return fmt.Errorf("%s: %w", mode.name, err)
		}
		rows := b.rpcModeRows(mode)
		rows[0].add(w, rate)
		rows[1].add(w, percentile(lat, 50))
		rows[2].add(w, percentile(lat, 99))
	}
	return nil
}

// load runs mode's clients for window after a warm-up of each and returns
// the requests per second and every latency in ms.
func load(addr string, body []byte, mode rpcMode, window time.Duration) (float64, []float64, error) {
	lats := make([][]float64, mode.clients)
	errs := make([]error, mode.clients)
	var ready, done sync.WaitGroup
	start := make(chan time.Time)
	for i := range mode.clients {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			lats[i], errs[i] = loadOne(addr, body, mode.keepAlive, &ready, start, window)
		}()
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	done.Wait()
	took := time.Since(t0)
	var all []float64
	for i := range lats {
		if errs[i] != nil {
			return 0, nil, errs[i]
		}
		all = append(all, lats[i]...)
	}
	return float64(len(all)) / took.Seconds(), all, nil
}

func loadOne(addr string, body []byte, keepAlive bool, ready *sync.WaitGroup, start <-chan time.Time, window time.Duration) ([]float64, error) {
	c := newRPCClient(addr, keepAlive)
	defer c.close()
	var err error
	for range 20 {
		var resp []byte
		if resp, err = c.post(body); err != nil {
			break
		}
		// The echo server answers with the call itself, which is no fault.
		if err = xmlrpc.Response(resp).Err(); err != nil {
			break
		}
	}
	ready.Done()
	<-start
	if err != nil {
		return nil, err
	}
	end := time.Now().Add(window)
	var lats []float64
	for time.Now().Before(end) {
		t0 := time.Now()
		if _, err := c.post(body); err != nil {
			return nil, err
		}
		lats = append(lats, ms(time.Since(t0)))
	}
	return lats, nil
}
