// supervisorctl's XML-RPC transport: kolo/xmlrpc encodes calls and decodes
// answers, our own http.Client carries them over a unix socket or TCP with
// one kept-alive connection, and failures keep the shape 4.2.5's client
// gives them (faults, HTTP status errors, socket errnos).
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/kolo/xmlrpc"
)

// rpcClient talks to one supervisord at serverURL.
type rpcClient struct {
	serverURL string
	endpoint  string // the http:// URL requests are posted to
	http      *http.Client
	creds     func() (user, password string, ok bool)
}

// ctlProcessInfo is the part of the process info struct (RPC-10) that
// supervisorctl shows. Decoding into typed fields keeps kolo from turning
// an empty <string></string> into nil.
type ctlProcessInfo struct {
	Name        string `xmlrpc:"name"`
	Group       string `xmlrpc:"group"`
	State       int    `xmlrpc:"state"`
	StateName   string `xmlrpc:"statename"`
	Description string `xmlrpc:"description"`
	Pid         int    `xmlrpc:"pid"`
}

// ctlResult is one entry of a multi-process result array (RPC-12).
type ctlResult struct {
	Name        string `xmlrpc:"name"`
	Group       string `xmlrpc:"group"`
	Status      int    `xmlrpc:"status"`
	Description string `xmlrpc:"description"`
}

// ctlConfigInfo is the part of the config info struct (RPC-13) avail shows.
type ctlConfigInfo struct {
	Name        string `xmlrpc:"name"`
	Group       string `xmlrpc:"group"`
	InUse       bool   `xmlrpc:"inuse"`
	Autostart   bool   `xmlrpc:"autostart"`
	GroupPrio   int    `xmlrpc:"group_prio"`
	ProcessPrio int    `xmlrpc:"process_prio"`
}

// newRPCClient prepares a client for an http:// or unix:// server URL. No
// connection is made until the first call.
func newRPCClient(serverURL string, creds func() (string, string, bool)) (*rpcClient, error) {
	transport := &http.Transport{Proxy: nil, DisableCompression: true}
	c := &rpcClient{serverURL: serverURL, creds: creds}
	switch {
	case strings.HasPrefix(serverURL, "http://"):
		u, err := pyURLSplit(serverURL)
		if err != nil {
			return nil, &pyError{"ValueError", err.Error()}
		}
		host, port, err := u.hostPort()
		if err != nil {
			return nil, err
		}
		c.endpoint = "http://" + net.JoinHostPort(host, port) + "/RPC2"
	case strings.HasPrefix(serverURL, "unix://"):
		path := serverURL[len("unix://"):]
		transport.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}
		// The host of a unix socket request is "localhost", as in 4.2.5.
		c.endpoint = "http://localhost/RPC2"
	default:
		return nil, &pyError{"ValueError", "Unknown protocol for serverurl " + serverURL}
	}
	c.http = &http.Client{
		Transport: transport,
		// 4.2.5 treats any non-200 answer as an error; never follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c, nil
}

func (c *rpcClient) close() { c.http.CloseIdleConnections() }

// call invokes method with args and decodes the answer into result (a
// pointer, or nil to ignore it). Faults come back as xmlrpc.FaultError,
// non-200 answers as *protocolError, socket failures as wrapped errnos.
func (c *rpcClient) call(method string, result any, args ...any) error {
	body, err := xmlrpc.EncodeMethodCall(method, args...)
	if err != nil {
		return fmt.Errorf("encode %s: %w", method, err)
	}
	req, err := http.NewRequest(http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return &pyError{"ValueError", err.Error()}
	}
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("Accept", "text/xml")
	req.Header.Set("User-Agent", "supervisorctl")
	if user, password, ok := c.creds(); ok {
		req.Header.Set("Authorization", basicAuth(user, password))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		reason := strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode)+" ")
		return &protocolError{code: resp.StatusCode, reason: reason}
	}
	if err != nil {
		return err
	}
	return decodeRPCAnswer(data, result)
}

// decodeRPCAnswer turns a methodResponse body into a fault or a value.
func decodeRPCAnswer(data []byte, result any) error {
	answer := xmlrpc.Response(data)
	if err := answer.Err(); err != nil {
		if _, ok := err.(xmlrpc.FaultError); ok {
			return err
		}
		return &pyError{"xml.parsers.expat.ExpatError", err.Error()}
	}
	if result == nil {
		return nil
	}
	if err := answer.Unmarshal(result); err != nil {
		return &pyError{"xml.parsers.expat.ExpatError", err.Error()}
	}
	return nil
}

// basicAuth is the value of an HTTP Basic Authorization header.
func basicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}
