package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/kolo/xmlrpc"
)

// rpcClient posts XML-RPC calls over HTTP/1.1 to one TCP address with as
// little client-side work as possible, so the server dominates what is
// measured. Every server under test gets the very same client.
type rpcClient struct {
	addr      string
	keepAlive bool // false: a new connection per call
	conn      net.Conn
	br        *bufio.Reader
	req       []byte
}

func newRPCClient(addr string, keepAlive bool) *rpcClient {
	return &rpcClient{addr: addr, keepAlive: keepAlive}
}

func (c *rpcClient) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// call runs method and returns the decoded response; a fault is an error.
func (c *rpcClient) call(method string, args ...any) (xmlrpc.Response, error) {
	body, err := encodeCall(method, args...)
	if err != nil {
		return nil, err
	}
	resp, err := c.post(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	r := xmlrpc.Response(resp)
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	return r, nil
}

func encodeCall(method string, args ...any) ([]byte, error) {
	body, err := xmlrpc.EncodeMethodCall(method, args...)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", method, err)
	}
	return body, nil
}

// post sends one request body and returns the response body. A kept-alive
// connection the server closed in the meantime is redialled once.
func (c *rpcClient) post(body []byte) ([]byte, error) {
	fresh := c.conn == nil
	resp, err := c.roundTrip(body)
	if err != nil && !fresh && c.keepAlive && errors.Is(err, errStale) {
		resp, err = c.roundTrip(body)
	}
	return resp, err
}

var errStale = errors.New("connection closed before the response")

func (c *rpcClient) roundTrip(body []byte) ([]byte, error) {
	if c.conn == nil {
		conn, err := net.Dial("tcp", c.addr)
		if err != nil {
			return nil, err
		}
		c.conn, c.br = conn, bufio.NewReaderSize(conn, 64<<10)
	}
	c.req = c.req[:0]
	c.req = append(c.req, "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\n"...)
	if !c.keepAlive {
		c.req = append(c.req, "Connection: close\r\n"...)
	}
	c.req = append(c.req, "Content-Length: "...)
	c.req = strconv.AppendInt(c.req, int64(len(body)), 10)
	c.req = append(c.req, "\r\n\r\n"...)
	c.req = append(c.req, body...)
	if _, err := c.conn.Write(c.req); err != nil {
		c.close()
		return nil, errStale
	}
	resp, keep, err := readResponse(c.br)
	if err != nil || !keep || !c.keepAlive {
		c.close()
	}
	return resp, err
}

// readResponse reads one HTTP response and says whether the connection
// may carry another.
func readResponse(br *bufio.Reader) ([]byte, bool, error) {
	status, err := br.ReadString('\n')
	if err != nil {
		if status == "" {
			return nil, false, errStale
		}
		return nil, false, err
	}
	proto, rest, _ := strings.Cut(strings.TrimSpace(status), " ")
	code, _, _ := strings.Cut(rest, " ")
	keep := proto == "HTTP/1.1"
	length, chunked := -1, false
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, false, err
		}
		line = strings.TrimSpace(line)
		if line == "" {
			break
		}
		k, v, _ := strings.Cut(line, ":")
		v = strings.TrimSpace(v)
		switch strings.ToLower(k) {
		case "content-length":
			length, _ = strconv.Atoi(v)
		case "transfer-encoding":
			chunked = strings.EqualFold(v, "chunked")
		case "connection":
			keep = strings.EqualFold(v, "keep-alive") || (keep && !strings.EqualFold(v, "close"))
		}
	}
	body, err := readBody(br, length, chunked)
	if err != nil {
		return nil, false, err
	}
	if length < 0 && !chunked {
		keep = false
	}
	if code != "200" {
		return nil, false, fmt.Errorf("HTTP %s: %s", code, bytes.TrimSpace(body))
	}
	return body, keep, nil
}

func readBody(br *bufio.Reader, length int, chunked bool) ([]byte, error) {
	switch {
	case chunked:
		var body []byte
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return nil, err
			}
			size, err := strconv.ParseInt(strings.TrimSpace(strings.SplitN(line, ";", 2)[0]), 16, 64)
			if err != nil {
				return nil, fmt.Errorf("bad chunk size %q", line)
			}
			if size == 0 {
				_, err := br.ReadString('\n')
				return body, err
			}
			chunk := make([]byte, size+2)
			if _, err := io.ReadFull(br, chunk); err != nil {
				return nil, err
			}
			body = append(body, chunk[:size]...)
		}
	case length >= 0:
		body := make([]byte, length)
		_, err := io.ReadFull(br, body)
		return body, err
	}
	return io.ReadAll(br)
}

// waitAnswering calls supervisor.getState (or posts to the echo server)
// until it is answered, polling every millisecond, and returns when.
func waitAnswering(addr string, body []byte, deadline time.Time) (time.Time, error) {
	for {
		c := newRPCClient(addr, false)
		_, err := c.post(body)
		c.close()
		if err == nil {
			return time.Now(), nil
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("%s not answering: %w", addr, err)
		}
		time.Sleep(time.Millisecond)
	}
}

// processInfo is the part of getProcessInfo's struct the harness reads.
type processInfo struct {
	Name      string `xmlrpc:"name"`
	Group     string `xmlrpc:"group"`
	Statename string `xmlrpc:"statename"`
	Pid       int    `xmlrpc:"pid"`
}

func (c *rpcClient) allProcessInfo() ([]processInfo, error) {
	r, err := c.call("supervisor.getAllProcessInfo")
	if err != nil {
		return nil, err
	}
	var infos []processInfo
	if err := r.Unmarshal(&infos); err != nil {
		return nil, fmt.Errorf("getAllProcessInfo: %w", err)
	}
	return infos, nil
}
